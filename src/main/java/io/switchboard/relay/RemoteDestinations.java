package io.switchboard.relay;

/**
 * Destinations held by other nodes of a cluster: where the router turns when a destination is
 * not connected to this node. There is no such bean on a single node, where an ID that is not
 * connected here is unknown.
 */
public interface RemoteDestinations {

    /**
     * Takes a message for a destination that is not connected to this node.
     * Called on the sender's reader thread, in the order of the sender's SENDs.
     * @param waitNanos how long the sender may be held up for room: 0 not at all (policy
     *        {@code reject}), {@link Long#MAX_VALUE} as long as it takes ({@code pause})
     * @return {@link OfferResult#QUEUED} when taken, its outcome reaching {@code origin} later;
     *         {@link OfferResult#CLOSED} when no node holds {@code dest}; {@link OfferResult#BUSY}
     *         when there was no room within {@code waitNanos}; {@link OfferResult#GONE} when the
     *         destination went away while the message waited
     */
    OfferResult offer(int dest, int src, byte[] bytes, int offset, int length, MessageOrigin origin, long seq,
            long waitNanos);
}
