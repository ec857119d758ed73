package io.switchboard.admin;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer to a broadcast.
 *
 * @param recipients the clients whose queues took the message
 * @param unanswered cluster mode: nodes that did not say how many of their clients took it
 *        (they may have); left out of the JSON when empty, as it always is on a single node
 */
record Recipients(int recipients, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unanswered) {
}
