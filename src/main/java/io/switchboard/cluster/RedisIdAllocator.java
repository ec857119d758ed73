package io.switchboard.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
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
    /**
     * Shared by allocations, from the ID's claim in Redis to its entry in {@link #held};
     * exclusive while {@link #withHeld} compares the two, so that an ID claimed meanwhile is
     * never taken for a stale one and released under its client.
     */
    private final ReadWriteLock claiming = new ReentrantReadWriteLock();

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
            this.claiming.readLock().lock();
            try {
                id = this.backplane.allocate(TRIES_PER_CALL);
                if (id != 0) {
                    this.held.add(id);
                }
            }
            catch (RuntimeException ex) {
                throw new IllegalStateException("cannot allocate a cluster-wide ID: " + ex.getMessage(), ex);
            }
            finally {
                this.claiming.readLock().unlock();
            }
            if (id == 0) {
                continue;
            }
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

    /** Applies {@code reconcile} to the IDs this node holds, with no allocation under way. */
    <T> T withHeld(Function<Set<Integer>, T> reconcile) {
        this.claiming.writeLock().lock();
        try {
            return reconcile.apply(Set.copyOf(this.held));
        }
        finally {
            this.claiming.writeLock().unlock();
        }
    }

    /** Takes the IDs released since the last call. */
    List<Integer> takeReleased() {
        List<Integer> ids = new ArrayList<>();
        Integer id;
        while ((id = this.released.poll()) != null) {
            ids.add(id);
        }
        return ids;
    }
}
