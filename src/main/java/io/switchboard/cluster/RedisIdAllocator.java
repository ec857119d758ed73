package io.switchboard.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

import io.switchboard.relay.IdAllocator;

/**
 * IDs unique across the cluster: Redis counts them (wrapping past 4294967295, skipping 0) and
 * each is claimed for this node in the same step, skipping IDs that any node still holds.
 * Releases are gathered and sent by {@link NodeMembership} on its next beat, so a disconnect
 * never waits for Redis.
 */
final class RedisIdAllocator implements IdAllocator {

    private static final int TRIES_PER_CALL = 1000;

    private final RedisBackplane backplane;
    private final BooleanSupplier joined;
    /** The IDs this node has claimed and not released: what it claims again after an outage. */
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Integer> released = new ConcurrentLinkedQueue<>();

    RedisIdAllocator(RedisBackplane backplane, BooleanSupplier joined) {
        this.backplane = backplane;
        this.joined = joined;
    }

    @Override
    public int allocate(IntPredicate inUse) {
        if (!this.joined.getAsBoolean()) {
            throw new IllegalStateException("this node has not joined the cluster (Redis unreachable?)");
        }
        for (int round = 0; round < 16; round++) {
            int id;
            try {
                id = this.backplane.allocate(TRIES_PER_CALL);
            }
            catch (RuntimeException ex) {
                throw new IllegalStateException("cannot allocate a cluster-wide ID: " + ex.getMessage(), ex);
            }
            if (id == 0) {
                continue;
            }
            this.held.add(id);
            if (!inUse.test(id)) {
                return id;
            }
            release(id);
        }
        throw new IllegalStateException("no client ID is free in the cluster");
    }

    @Override
    public void release(int id) {
        if (this.held.remove(id)) {
            this.released.add(id);
        }
    }

    Set<Integer> held() {
        return this.held;
    }

    /** Takes the IDs released since the last call. */
    java.util.List<Integer> takeReleased() {
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        Integer id;
        while ((id = this.released.poll()) != null) {
            ids.add(id);
        }
        return ids;
    }
}
