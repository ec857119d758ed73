package io.switchboard.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.FrameRun;
import io.switchboard.relay.OfferResult;
import io.switchboard.relay.Router;

/**
 * The receiving side of cluster routing: puts messages from clients of other nodes into the
 * queues of this node's clients and reports each outcome to the sending node.
 *
 * <p>The inbox reader calls this for every message and must never wait, or one full queue would
 * hold up every message from every other node. So a message that finds its destination's queue
 * full (policy {@code pause}) waits in that destination's backlog, behind which later messages
 * for it line up to keep their order, and a thread of that destination's own waits for room.
 * A backlog holds at most one sender window per remote sender: their senders are paused.
 */
final class LocalDelivery {

    private final Router router;
    private final Holders holders;
    private final boolean pause;
    private final ConcurrentHashMap<Integer, Backlog> backlogs = new ConcurrentHashMap<>();

    LocalDelivery(Router router, Holders holders, boolean pause) {
        this.router = router;
        this.holders = holders;
        this.pause = pause;
    }

    /**
     * Called by the inbox reader only, in the order of the entries, for the message
     * {@code entry[offset, offset + length)}; its outcome goes back through {@code origin}, the
     * link to the node it came from, under its {@code ticket}.
     */
    void deliver(NodeLink origin, long ticket, int src, int dest, byte[] entry, int offset, int length) {
        Backlog backlog = this.backlogs.get(dest);
        if (backlog != null && backlog.add(src, entry, offset, length, origin, ticket)) {
            return;
        }
        OfferResult result = this.router.offer(dest, src, entry, offset, length, origin, ticket, 0);
        switch (result) {
            case QUEUED -> { }
            // A stable ID that moved to another node meanwhile: its client here was connected when the message was sent.
            case CLOSED -> origin.failed(this.holders.movedAwayRecently(dest) ? ErrorCode.DESTINATION_GONE
                    : result.error(), dest, ticket);
            case GONE -> origin.failed(result.error(), dest, ticket);
            case BUSY -> {
                if (!this.pause) {
                    origin.failed(result.error(), dest, ticket);
                    return;
                }
                Backlog waiting = new Backlog(dest);
                waiting.add(src, entry, offset, length, origin, ticket);
                this.backlogs.put(dest, waiting);
                Thread.ofVirtual().name("cluster-backlog-" + Integer.toUnsignedString(dest)).start(waiting::drain);
            }
        }
    }

    /**
     * Called by the inbox reader only, in the order of the entries, for a run of messages from
     * {@code src}: SEND frames in {@code entry[from, end)} with tickets from {@code firstTicket}.
     * What a destination's queue takes at once goes in under one lock; a message it does not
     * take, or one for a destination with a backlog, goes as {@link #deliver} sends any message.
     */
    void deliverRun(NodeLink origin, long firstTicket, int src, byte[] entry, int from, int end) {
        int p = from;
        long ticket = firstTicket;
        while (p < end) {
            int dest = Wire.getInt(entry, p);
            if (!this.backlogs.containsKey(dest)) {
                long run = this.router.offerRun(src, entry, p, end, origin, ticket);
                ticket += FrameRun.taken(run);
                p = FrameRun.position(run);
                if (p >= end) {
                    return;
                }
                dest = Wire.getInt(entry, p);
            }
            int length = Wire.getInt(entry, p + 4);
            deliver(origin, ticket++, src, dest, entry, p + Wire.SEND_HEADER_BYTES, length);
            p += Wire.SEND_HEADER_BYTES + length;
        }
    }

    /** Messages waiting for room, for tests. */
    int backlogged() {
        int total = 0;
        for (Backlog backlog : this.backlogs.values()) {
            total += backlog.size();
        }
        return total;
    }

    /** A message waiting for room, copied out of its entry. */
    private record Waiting(int src, byte[] payload, NodeLink origin, long ticket) {
    }

    /** Messages from other nodes for one destination whose queue was full, in arrival order. */
    private final class Backlog {

        private final int dest;
        private final ArrayDeque<Waiting> messages = new ArrayDeque<>();
        private boolean retired;

        Backlog(int dest) {
            this.dest = dest;
        }

        synchronized boolean add(int src, byte[] entry, int offset, int length, NodeLink origin, long ticket) {
            if (this.retired) {
                return false;
            }
            this.messages.add(new Waiting(src, Arrays.copyOfRange(entry, offset, offset + length), origin, ticket));
            return true;
        }

        synchronized int size() {
            return this.messages.size();
        }

        void drain() {
            while (true) {
                Waiting next;
                synchronized (this) {
                    next = this.messages.peek();
                    if (next == null) {
                        retire();
                        return;
                    }
                }
                OfferResult result = LocalDelivery.this.router.offer(this.dest, next.src(), next.payload(), 0,
                        next.payload().length, next.origin(), next.ticket(), Long.MAX_VALUE);
                if (result == OfferResult.QUEUED) {
                    synchronized (this) {
                        this.messages.poll();
                    }
                    continue;
                }
                // The destination went while these waited: they were taken for it, so they are gone.
                List<Waiting> gone;
                synchronized (this) {
                    gone = new ArrayList<>(this.messages);
                    this.messages.clear();
                    retire();
                }
                for (Waiting message : gone) {
                    message.origin().failed(ErrorCode.DESTINATION_GONE, this.dest, message.ticket());
                }
                return;
            }
        }

        /** Called holding this backlog's lock. */
        private void retire() {
            this.retired = true;
            LocalDelivery.this.backlogs.remove(this.dest, this);
        }
    }
}
