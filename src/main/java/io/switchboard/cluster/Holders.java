package io.switchboard.cluster;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Which other node holds a client ID, as far as this node has seen: the look-ups of
 * {@link RemoteRouter} kept, and forgotten when the node says it has no such client or leaves.
 * An ID is not handed out again before 2^32 others, so a kept look-up stays true until then.
 * Also remembers the stable IDs whose client here was replaced lately by a newer connection on
 * another node. Any thread; no lock (concurrent maps).
 */
final class Holders {

    private static final int MAX_KEPT = 1 << 16;

    private final ConcurrentHashMap<Integer, String> nodes = new ConcurrentHashMap<>();
    /** Stable IDs that moved to another node, and when (System.nanoTime()). */
    private final ConcurrentHashMap<Integer, Long> movedAway = new ConcurrentHashMap<>();
    private final long movedKeepNanos;

    /**
     * @param movedKeep how long a move is remembered: past two ack timeouts, no sender waits for
     *        a message still on its way to the client that moved
     */
    Holders(Duration movedKeep) {
        this.movedKeepNanos = movedKeep.toNanos();
    }

    @Nullable String get(int id) {
        return this.nodes.get(id);
    }

    void put(int id, String node) {
        if (this.nodes.size() >= MAX_KEPT) {
            this.nodes.clear();
        }
        this.nodes.put(id, node);
    }

    /** {@code node} says it has no client {@code id} (any more). */
    void forget(int id, String node) {
        this.nodes.remove(id, node);
    }

    /** {@code node} has left the cluster. */
    void forgetNode(String node) {
        this.nodes.values().removeIf(node::equals);
    }

    /**
     * A stable ID is {@code node}'s now (a newer connection there took it over): messages to it
     * go there from now on, and one still arriving here for the client it replaced ends as
     * DESTINATION_GONE ({@link #movedAwayRecently}), not UNKNOWN_DESTINATION.
     */
    void movedTo(int id, String node) {
        long now = System.nanoTime();
        if (this.movedAway.size() >= MAX_KEPT) {
            this.movedAway.values().removeIf((at) -> now - at > this.movedKeepNanos);
        }
        this.movedAway.put(id, now);
        put(id, node);
    }

    /** Whether {@code id}'s client here was replaced by a connection on another node lately. */
    boolean movedAwayRecently(int id) {
        Long at = this.movedAway.get(id);
        return at != null && System.nanoTime() - at <= this.movedKeepNanos;
    }
}
