package io.switchboard.admin;

import java.util.Map;

/**
 * What one open console page is shown live: called once a second, it answers the events to send
 * (SSE event name to an HTML fragment). A feed belongs to one stream and is never called by two
 * threads at once, so it may keep state (the previous counters it computes rates from).
 */
@FunctionalInterface
interface ConsoleFeed {

    Map<String, String> next();
}
