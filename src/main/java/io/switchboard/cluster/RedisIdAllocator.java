package io.switchboard.cluster;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.switchboard.relay.IdAllocator;
import io.switchboard.relay.IdScheme;
import io.switchboard.relay.IdStrategy;

/**
 * IDs unique across the cluster: each is claimed for this node in Redis in the step that picks
 * it, skipping IDs that any node still holds. Picked from the node's {@link IdScheme}: Redis
 * counts through its range (sequential), or this node draws candidates at random and Redis
 * claims the first free one (random). A token's stable ID is taken over from whichever node
 * held it, which is asked to disconnect its client first. Releases are gathered and sent by
 * {@link NodeMembership} on its next beat, so a disconnect never waits for Redis.
 *
 * <p>After Redis lost its data, no ID is handed out until the nodes alive before have claimed
 * their clients' IDs again (the reclaim window, {@link ClusterProperties#reclaimWindow()}): an
 * allocation or take-over meanwhile waits on the connection's own thread, at most
 * {@code patience}, and the connection is greeted once the window closes.
 */
final class RedisIdAllocator implements IdAllocator {

    private static final Log logger = LogFactory.getLog(RedisIdAllocator.class);

    private static final int TRIES_PER_CALL = 1000;
    /** How often an allocation looks again while Redis holds no registry (a node's next beat makes one). */
    private static final Duration POLL = Duration.ofMillis(50);
    /** Random candidates per script call: with a node's IDs a tiny part of the range, the first is almost always free. */
    private static final int CANDIDATES_PER_CALL = 16;

    /** Tells the other nodes that an ID is this node's now; the one that had it disconnects its client. */
    @FunctionalInterface
    interface TakeOverNotice {
        /** @return the nodes that did not answer within {@code ack-timeout} */
        List<String> takenOver(int id);
    }

    private final RedisBackplane backplane;
    private final IdScheme scheme;
    /** Set by {@link NodeMembership}'s heartbeat: IDs are handed out only while this node is joined. */
    private volatile boolean joined;
    private final TakeOverNotice notice;
    /** How long an allocation waits for IDs to be handed out again: the reclaim window and a beat to notice it. */
    private final Duration patience;
    private final SecureRandom random = new SecureRandom();
    /** The IDs this node has claimed and not released: what it claims again after an outage. */
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Integer> released = new ConcurrentLinkedQueue<>();
    /**
     * Shared by allocations and take-overs, from the ID's claim in Redis to its entry in
     * {@link #held}; exclusive while {@link #withHeld} compares the two, so that an ID claimed
     * meanwhile is never taken for a stale one, and while {@link #sendReleased} sends releases,
     * so that a release never reaches Redis after the same ID was taken over again here.
     */
    private final ReadWriteLock claiming = new ReentrantReadWriteLock();

    RedisIdAllocator(RedisBackplane backplane, IdScheme scheme, TakeOverNotice notice, Duration patience) {
        this.backplane = backplane;
        this.scheme = scheme;
        this.notice = notice;
        this.patience = patience;
    }

    /** Whether this node is joined to the cluster, as its membership last found. */
    void joined(boolean joined) {
        this.joined = joined;
    }

    @Override
    public int allocate(IntPredicate inUse) {
        requireJoined();
        long deadline = System.nanoTime() + this.patience.toNanos();
        for (int round = 0; round < 16; round++) {
            int id = whenHandedOut(deadline, () -> {
                this.claiming.readLock().lock();
                try {
                    int claimed = claimOne();
                    if (claimed != 0) {
                        this.held.add(claimed);
                    }
                    return claimed;
                }
                finally {
                    this.claiming.readLock().unlock();
                }
            }, "cannot allocate a cluster-wide ID");
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

    private int claimOne() {
        if (this.scheme.strategy() == IdStrategy.SEQUENTIAL) {
            return this.backplane.allocate(this.scheme, TRIES_PER_CALL);
        }
        int[] candidates = new int[CANDIDATES_PER_CALL];
        for (int i = 0; i < candidates.length; i++) {
            candidates[i] = this.scheme.pick(this.random);
        }
        return this.backplane.allocateAmong(candidates);
    }

    /**
     * Claims the stable ID in Redis whoever held it. When another node held it, every node is
     * told (so that none routes to the old holder from a cached look-up), the old holder
     * disconnects its client, and this waits for their answers, up to {@code ack-timeout}. A
     * node that does not answer is dead or cut off: its client cannot be reached either, and its
     * claim is already gone.
     */
    @Override
    public void takeOver(int id) {
        requireJoined();
        long deadline = System.nanoTime() + this.patience.toNanos();
        Optional<String> previous = whenHandedOut(deadline, () -> {
            this.claiming.readLock().lock();
            try {
                Optional<String> holder = Optional.ofNullable(this.backplane.takeOver(id));
                this.held.add(id);
                // A release of the ID by this node's older client must not undo this claim.
                this.released.remove(id);
                return holder;
            }
            finally {
                this.claiming.readLock().unlock();
            }
        }, "cannot claim stable ID " + Integer.toUnsignedString(id) + " in the cluster");
        if (previous.isPresent()) {
            List<String> unanswered = this.notice.takenOver(id);
            if (!unanswered.isEmpty()) {
                logger.info("Nodes " + unanswered + " did not confirm in time that they know client "
                        + Integer.toUnsignedString(id) + " is here now (it was on " + previous.get() + ")");
            }
        }
    }

    /**
     * Runs {@code claim} once IDs are handed out: while Redis holds them back (the reclaim window
     * after it lost its data), waits on this thread and tries again, until {@code deadline}.
     */
    private <T> T whenHandedOut(long deadline, Supplier<T> claim, String failure) {
        while (true) {
            IdsOnHoldException hold;
            try {
                return claim.get();
            }
            catch (IdsOnHoldException ex) {
                hold = ex;
            }
            catch (RuntimeException ex) {
                throw new IllegalStateException(failure + ": " + ex.getMessage(), ex);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException(failure + ": " + hold.getMessage());
            }
            // Without a registry no window has begun: this node's next beat opens it or rejoins.
            long wait = hold.remaining().isZero() ? POLL.toNanos() : hold.remaining().toNanos() + 1_000_000;
            try {
                Thread.sleep(Duration.ofNanos(Math.min(wait, left)));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(failure + ": interrupted while " + hold.getMessage(), ex);
            }
            requireJoined();
        }
    }

    private void requireJoined() {
        if (!this.joined) {
            throw new IllegalStateException("this node has not joined the cluster (Redis unreachable?)");
        }
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

    /** Sends the IDs released since the last call with {@code send}, no take-over under way meanwhile. */
    void sendReleased(Consumer<List<Integer>> send) {
        this.claiming.writeLock().lock();
        try {
            List<Integer> ids = takeReleased();
            if (!ids.isEmpty()) {
                send.accept(ids);
            }
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
