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

    /**
     * Takes the SEND frames at the start of {@code frames[from, end)} that are addressed to the
     * first frame's destination, which is not connected to this node, numbered from
     * {@code firstSeq}: as many as go at once as one run (a burst to one remote destination then
     * costs one look-up, one window and one record rather than one of each per frame), or else
     * the first frame alone, waiting for room as {@link #offer} does. Called on the sender's
     * reader thread, in the order of the sender's SENDs.
     * @param waitNanos as for {@link #offer}
     * @return a {@link FrameRun} of how many frames it took and where the first frame not taken
     *         starts, with {@link #run}'s answer to that frame: QUEUED when it stopped only because
     *         the run ended, otherwise what {@link #offer} would have answered for it
     */
    long offerRun(int src, byte[] frames, int from, int end, MessageOrigin origin, long firstSeq, long waitNanos);

    /** An {@link #offerRun}'s result: a {@link FrameRun} with the answer to the frame it stopped at in the top byte. */
    static long run(int position, int taken, OfferResult stoppedAt) {
        return ((long) stoppedAt.ordinal() << 56) | FrameRun.of(position, taken);
    }

    /** The answer to the frame an {@link #offerRun} stopped at. */
    static OfferResult answer(long run) {
        return OfferResult.values()[(int) (run >>> 56)];
    }
}
