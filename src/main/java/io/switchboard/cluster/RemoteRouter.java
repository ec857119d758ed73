package io.switchboard.cluster;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

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
        if (node == null) {
            return OfferResult.CLOSED;
        }
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
