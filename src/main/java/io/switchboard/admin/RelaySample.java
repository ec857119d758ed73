package io.switchboard.admin;

/**
 * One second of this node's traffic, for the console's overview and its charts.
 *
 * @param epochSecond when it was taken
 * @param clients clients connected
 * @param messagesIn SENDs read per second over the last interval
 * @param messagesOut DELIVERs written per second
 * @param bytesIn payload bytes read per second
 * @param bytesOut payload bytes written per second
 * @param queuedBytes payload bytes queued and not yet written
 */
record RelaySample(long epochSecond, long clients, double messagesIn, double messagesOut, double bytesIn,
        double bytesOut, long queuedBytes) {
}
