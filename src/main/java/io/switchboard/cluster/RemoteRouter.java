package io.switchboard.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;
import io.switchboard.relay.RemoteDestinations;

/**
 * The sending side of cluster routing. A message for a client of another node goes into that
 * node's {@link Outbox} with a ticket, and waits here until the other node reports it taken,
 * then written or failed; each outcome reaches the sender's {@link MessageOrigin} once. What
 * Redis loses, what a dying node takes with it, and what no node takes within
 * {@code ack-timeout} ends as DESTINATION_GONE.
 */
final class RemoteRouter implements RemoteDestinations {

    private static final Log logger = LogFactory.getLog(RemoteRouter.class);

    /** Counted for every message in a window besides its payload, so that empty ones are bounded too. */
    static final long MESSAGE_OVERHEAD = 32;
    private static final int MAX_CACHED_HOLDERS = 1 << 16;

    private static final class Pending {
        final MessageOrigin origin;
        final int dest;
        final long seq;
        final String node;
        final long window;
        final long cost;
        final long deadlineNanos;

        Pending(MessageOrigin origin, int src, int dest, long seq, String node, long cost, long deadlineNanos) {
            this.origin = origin;
            this.dest = dest;
            this.seq = seq;
            this.node = node;
            this.window = SenderWindows.key(src, dest);
            this.cost = cost;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final RedisBackplane backplane;
    private final String self;
    private final SenderWindows windows;
    private final Duration ackTimeout;
    private final ConcurrentHashMap<String, Outbox> outboxes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    /** Which node holds an ID: an ID is not handed out again before 2^32 others, so this stays true until its node says otherwise or leaves. */
    private final ConcurrentHashMap<Integer, String> holders = new ConcurrentHashMap<>();
    private final AtomicLong tickets = new AtomicLong();
    /**
     * Stable IDs whose client here was replaced by a newer connection on another node, and
     * when: a message for one that arrives meanwhile was sent while the client was connected
     * (here, then there), so it ends as DESTINATION_GONE, not UNKNOWN_DESTINATION. Kept for two
     * ack timeouts, past which no sender waits for a message still on its way.
     */
    private final ConcurrentHashMap<Integer, Long> movedAway = new ConcurrentHashMap<>();

    RemoteRouter(RedisBackplane backplane, ClusterProperties properties) {
        this.backplane = backplane;
        this.self = backplane.node();
        this.windows = new SenderWindows(properties.maxUnconfirmedBytes().toBytes());
        this.ackTimeout = properties.ackTimeout();
    }

    @Override
    public OfferResult offer(int dest, int src, byte[] bytes, int offset, int length, MessageOrigin origin, long seq,
            long waitNanos) {
        String node = holderOf(dest);
        if (node == null) {
            return OfferResult.CLOSED;
        }
        return send(node, dest, src, bytes, offset, length, origin, seq, waitNanos);
    }

    /** Sends to a client of {@code node}, known to hold it. */
    private OfferResult send(String node, int dest, int src, byte[] bytes, int offset, int length, MessageOrigin origin,
            long seq, long waitNanos) {
        long cost = length + MESSAGE_OVERHEAD;
        Pending message = new Pending(origin, src, dest, seq, node, cost, System.nanoTime() + this.ackTimeout.toNanos());
        OfferResult room = this.windows.acquire(message.window, cost, waitNanos);
        if (room != OfferResult.QUEUED) {
            return room;
        }
        long ticket = outbox(node).message(src, dest, bytes, offset, length, t -> this.pending.put(t, message));
        if (ticket < 0) {
            // Its node left between the look-up and now.
            this.windows.release(message.window, message.cost);
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
        if (node == null || node.equals(this.self)) {
            return null;
        }
        if (this.holders.size() >= MAX_CACHED_HOLDERS) {
            this.holders.clear();
        }
        this.holders.put(dest, node);
        return node;
    }

    Outbox outbox(String node) {
        return this.outboxes.computeIfAbsent(node, n -> new Outbox(n, this.self, this.backplane, this.tickets, this::lost,
                this.ackTimeout.multipliedBy(3)));
    }

    private void lost(long[] lostTickets) {
        for (long ticket : lostTickets) {
            complete(ticket, ErrorCode.DESTINATION_GONE.code());
        }
    }

    /** An outcome reported by the node a message went to. */
    void outcome(String from, long ticket, int status) {
        if (status == ClusterFrames.STATUS_TAKEN) {
            Outbox outbox = this.outboxes.get(from);
            if (outbox != null) {
                outbox.taken(ticket);
            }
            return;
        }
        complete(ticket, status);
    }

    private void complete(long ticket, int status) {
        Pending message = this.pending.remove(ticket);
        if (message == null) {
            return;
        }
        this.windows.release(message.window, message.cost);
        if (status == ClusterFrames.STATUS_WRITTEN) {
            message.origin.delivered(message.dest, message.seq);
            return;
        }
        ErrorCode code = ErrorCode.fromCode(status);
        if (code == null) {
            code = ErrorCode.DESTINATION_GONE;
        }
        if (code == ErrorCode.UNKNOWN_DESTINATION || code == ErrorCode.DESTINATION_GONE) {
            // That node has no such client (any more): look the ID up again next time.
            this.holders.remove(message.dest, message.node);
        }
        message.origin.failed(code, message.dest, message.seq);
    }

    /**
     * A stable ID is {@code node}'s now (a newer connection there took it over): messages to it
     * go there from now on, and one still arriving here for the client it replaced ends as
     * DESTINATION_GONE ({@link #movedAwayRecently}).
     */
    void movedTo(int id, String node) {
        long now = System.nanoTime();
        if (this.movedAway.size() >= MAX_CACHED_HOLDERS) {
            this.movedAway.values().removeIf((at) -> now - at > movedKeepNanos());
        }
        this.movedAway.put(id, now);
        this.holders.put(id, node);
    }

    /** Whether {@code id}'s client here was replaced by a connection on another node lately. */
    boolean movedAwayRecently(int id) {
        Long at = this.movedAway.get(id);
        return at != null && System.nanoTime() - at <= movedKeepNanos();
    }

    private long movedKeepNanos() {
        return 2 * this.ackTimeout.toNanos();
    }

    /**
     * This node was taken for dead by the others (its liveness key expired): they have dropped
     * what they owed it, so every message still waiting for an outcome ends as DESTINATION_GONE.
     */
    void forgetAll() {
        for (Long ticket : this.pending.keySet()) {
            complete(ticket, ErrorCode.DESTINATION_GONE.code());
        }
    }

    /** The nodes this one has written to since before {@code sinceNanos}. */
    Set<String> nodesWrittenToBefore(long sinceNanos) {
        Set<String> nodes = new java.util.HashSet<>();
        for (Outbox outbox : this.outboxes.values()) {
            if (sinceNanos - outbox.createdNanos() > 0) {
                nodes.add(outbox.node());
            }
        }
        return nodes;
    }

    /** Nodes that have left the cluster: what they had not reported on is gone. */
    void departed(Set<String> nodes) {
        for (String node : nodes) {
            logger.info("Node " + node + " has left the cluster");
            Outbox outbox = this.outboxes.remove(node);
            if (outbox != null) {
                outbox.close();
            }
            this.holders.values().removeIf(node::equals);
            for (Map.Entry<Long, Pending> entry : this.pending.entrySet()) {
                if (entry.getValue().node.equals(node)) {
                    complete(entry.getKey(), ErrorCode.DESTINATION_GONE.code());
                }
            }
        }
    }

    /**
     * Ends as DESTINATION_GONE the messages no node has taken within {@code ack-timeout}, and
     * every message once Redis has been unreachable for that long.
     * @param linkDownSinceNanos when Redis became unreachable, 0 while it is reachable
     */
    void sweep(long linkDownSinceNanos) {
        long now = System.nanoTime();
        boolean givingUp = linkDownSinceNanos != 0 && now - linkDownSinceNanos > this.ackTimeout.toNanos();
        for (Map.Entry<Long, Pending> entry : this.pending.entrySet()) {
            Pending message = entry.getValue();
            if (givingUp || (now - message.deadlineNanos > 0 && !isTaken(message.node, entry.getKey()))) {
                complete(entry.getKey(), ErrorCode.DESTINATION_GONE.code());
            }
        }
    }

    private boolean isTaken(String node, long ticket) {
        Outbox outbox = this.outboxes.get(node);
        return outbox != null && outbox.isTaken(ticket);
    }

    /** Messages sent to other nodes whose outcome is not known yet. */
    int pendingCount() {
        return this.pending.size();
    }
}
