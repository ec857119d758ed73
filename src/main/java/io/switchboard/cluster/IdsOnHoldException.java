package io.switchboard.cluster;

import java.time.Duration;

/**
 * Redis hands out no ID now: it holds no registry (it lost its data, and no node has joined
 * again since), or the nodes are still reclaiming their clients' IDs after it did. Either ends
 * by itself within the reclaim window; the allocator waits for it.
 */
final class IdsOnHoldException extends RuntimeException {

    private final Duration remaining;

    private IdsOnHoldException(String message, Duration remaining) {
        super(message, null, false, false);
        this.remaining = remaining;
    }

    static IdsOnHoldException registryLost() {
        return new IdsOnHoldException("Redis holds no registry: it lost its data, and this node has not joined again yet",
                Duration.ZERO);
    }

    static IdsOnHoldException reclaiming(Duration remaining) {
        return new IdsOnHoldException("the nodes are reclaiming their clients' IDs after Redis lost them", remaining);
    }

    /** How long the reclaim window still lasts; zero when the registry is lost and no window has begun. */
    Duration remaining() {
        return this.remaining;
    }

    /**
     * Decodes a script's hold: 1 when the registry is gone, 2 plus the milliseconds left of the
     * reclaim window otherwise (RedisBackplane.HOLD).
     */
    static IdsOnHoldException of(long hold) {
        return (hold == 1) ? registryLost() : reclaiming(Duration.ofMillis(hold - 2));
    }
}
