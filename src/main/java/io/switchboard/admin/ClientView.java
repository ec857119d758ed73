package io.switchboard.admin;

import java.time.temporal.ChronoUnit;

import io.switchboard.relay.ClientSession;

/**
 * A client as the admin API shows it (ADMIN-API.md, "Clients").
 *
 * @param id the client's ID
 * @param remoteAddress {@code host:port}, {@code [v6]:port} for IPv6
 * @param connectedAt an ISO-8601 UTC instant, to the millisecond
 * @param messagesIn SENDs read from it
 * @param messagesOut DELIVERs written to it
 * @param bytesIn payload bytes of those SENDs
 * @param bytesOut payload bytes of those DELIVERs
 * @param queuedBytes payload bytes taken for it and not yet written
 */
record ClientView(long id, String remoteAddress, String connectedAt, long messagesIn, long messagesOut,
        long bytesIn, long bytesOut, long queuedBytes) {

    static ClientView of(ClientSession session) {
        return new ClientView(session.idAsLong(), session.remoteAddress(),
                session.connectedAt().truncatedTo(ChronoUnit.MILLIS).toString(), session.messagesIn(),
                session.messagesOut(), session.bytesIn(), session.bytesOut(), session.queuedBytes());
    }
}
