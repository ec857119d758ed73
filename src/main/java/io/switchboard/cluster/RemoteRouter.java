package io.switchboard.cluster;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;
import io.switchboard.relay.RemoteDestinations;

/**
 * The sending side of cluster routing: finds the node holding a destination, takes room in the
 * sender's window to it, and hands the message to that node's {@link NodeLink}, which reports
 * its outcome to the sender's {@link MessageOrigin} once. Runs on the sender's reader thread
 * (or an operator's request thread); it waits only for room in the window, under {@code pause}.
 */
final class RemoteRouter implements RemoteDestinations {

    private static final Log logger = LogFactory.getLog(RemoteRouter.class);

    /** Counted for every message in a window besides its payload, so that empty ones are bounded too. */
    static final long MESSAGE_OVERHEAD = 32;

    /** The most messages in one run, which bounds a run's record of which messages have their outcome. */
    static final int MAX_RUN = 1024;

    private final RedisBackplane backplane;
    private final Holders holders;
    private final SenderWindows windows;
    private final NodeLinks links;

    RemoteRouter(RedisBackplane backplane, Holders holders, SenderWindows windows, NodeLinks links) {
        this.backplane = backplane;
        this.holders = holders;
        this.windows = windows;
        this.links = links;
    }

    @Override
    public OfferResult offer(int dest, int src, byte[] bytes, int offset, int length, MessageOrigin origin, long seq,
            long waitNanos) {
        String node = holderOf(dest);
        return (node != null) ? send(node, dest, src, bytes, offset, length, origin, seq, waitNanos) : OfferResult.CLOSED;
    }

    /** One message to {@code node}, which holds {@code dest}: room in the sender's window, then the link. */
    private OfferResult send(String node, int dest, int src, byte[] bytes, int offset, int length, MessageOrigin origin,
            long seq, long waitNanos) {
        long cost = length + MESSAGE_OVERHEAD;
        SenderWindows.Window window = this.windows.acquire(SenderWindows.key(src, dest), cost, waitNanos);
        if (window == null) {
            return OfferResult.BUSY;
        }
        if (!this.links.link(node).send(src, dest, bytes, offset, length, origin, seq, window, cost)) {
            // Its node left between the look-up and now.
            this.windows.release(window, cost);
            return OfferResult.GONE;
        }
        return OfferResult.QUEUED;
    }

    /**
     * A run goes as one record, in one window, under one pending entry, as long as its cost fits in
     * a window. When the window has no room for the whole run now, or the first message alone is
     * larger than a window, the first message goes on its own, waiting for room as {@link #offer}
     * does; the next call takes the rest.
     */
    @Override
    public long offerRun(int src, byte[] frames, int from, int end, MessageOrigin origin, long firstSeq,
            long waitNanos) {
        int dest = Wire.getInt(frames, from);
        String node = holderOf(dest);
        if (node == null) {
            return RemoteDestinations.run(from, 0, OfferResult.CLOSED);
        }
        long limit = this.windows.maxBytes();
        long cost = 0;
        int count = 0;
        int p = from;
        while (p < end && count < MAX_RUN && Wire.getInt(frames, p) == dest) {
            int length = Wire.getInt(frames, p + 4);
            if (cost + length + MESSAGE_OVERHEAD > limit) {
                break;
            }
            cost += length + MESSAGE_OVERHEAD;
            count++;
            p += Wire.SEND_HEADER_BYTES + length;
        }
        SenderWindows.Window window = (count > 1) ? this.windows.acquire(SenderWindows.key(src, dest), cost, 0) : null;
        if (window == null) {
            int length = Wire.getInt(frames, from + 4);
            OfferResult alone = send(node, dest, src, frames, from + Wire.SEND_HEADER_BYTES, length, origin, firstSeq,
                    waitNanos);
            return (alone == OfferResult.QUEUED)
                    ? RemoteDestinations.run(from + Wire.SEND_HEADER_BYTES + length, 1, OfferResult.QUEUED)
                    : RemoteDestinations.run(from, 0, alone);
        }
        if (!this.links.link(node).sendRun(src, dest, count, frames, from, p, origin, firstSeq, window, cost)) {
            // Its node left between the look-up and now.
            this.windows.release(window, cost);
            return RemoteDestinations.run(from, 0, OfferResult.GONE);
        }
        return RemoteDestinations.run(p, count, OfferResult.QUEUED);
    }

    /** The node holding {@code dest}, other than this one, or null when none does (or Redis cannot say). */
    @Nullable String holderOf(int dest) {
        String node = this.holders.get(dest);
        if (node != null) {
            return node;
        }
        try {
            node = this.backplane.holder(dest);
        }
        catch (RuntimeException ex) {
            logger.debug("Cannot look up the node of " + Integer.toUnsignedString(dest) + ": " + ex);
            return null;
        }
        if (node == null || node.equals(this.backplane.node())) {
            return null;
        }
        this.holders.put(dest, node);
        return node;
    }

    /** Messages sent to other nodes whose outcome is not known yet. */
    int pendingCount() {
        return this.links.pendingCount();
    }
}
