package io.switchboard.admin;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import io.switchboard.cluster.ClusterDirectory;
import io.switchboard.relay.ClientSession;

/**
 * A client as the admin API shows it (ADMIN-API.md, "Clients").
 *
 * @param id the client's ID
 * @param node cluster mode: the node it is connected to ({@code switchboard.cluster.node-id});
 *        null, and left out of the JSON, on a single node
 * @param remoteAddress {@code host:port}, {@code [v6]:port} for IPv6
 * @param connectedAt an ISO-8601 UTC instant, to the millisecond
 * @param messagesIn SENDs read from it
 * @param messagesOut DELIVERs written to it
 * @param bytesIn payload bytes of those SENDs
 * @param bytesOut payload bytes of those DELIVERs
 * @param queuedBytes payload bytes taken for it and not yet written
 * @param subject its token's {@code sub}, else its TLS client certificate's subject, else null
 * @param throttled whether the relay reads from it slower than it sends, for its rate limits
 *        ({@code switchboard.limits.*}), now or within the last second; beyond ADMIN-API.md 1.1
 */
record ClientView(long id, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String node, String remoteAddress,
        String connectedAt, long messagesIn, long messagesOut, long bytesIn, long bytesOut, long queuedBytes,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String subject, boolean throttled) {

    static ClientView of(ClientSession session) {
        return new ClientView(session.idAsLong(), null, session.remoteAddress(), instant(session.connectedAt()),
                session.messagesIn(), session.messagesOut(), session.bytesIn(), session.bytesOut(),
                session.queuedBytes(), session.subject(), session.isThrottled());
    }

    static ClientView of(ClusterDirectory.ClusterClient client) {
        return new ClientView(client.id(), client.node(), client.remoteAddress(), instant(client.connectedAt()),
                client.messagesIn(), client.messagesOut(), client.bytesIn(), client.bytesOut(), client.queuedBytes(),
                client.subject(), client.throttled());
    }

    private static String instant(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
