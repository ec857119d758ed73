package io.switchboard.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;

/**
 * This node's membership of the cluster. Every {@code heartbeat-interval} it renews its liveness
 * key (TTL {@code heartbeat-ttl}), learns which nodes are alive, removes dead nodes with the IDs
 * they held, retires the {@link NodeLink}s of nodes that left (which ends what they owed), sends
 * the IDs released since the last beat, and ends messages that other nodes did not take in time.
 * All of it on its one heartbeat thread. When Redis comes back after an outage, or has lost this node's keys, the
 * node joins again: it claims its clients' IDs anew (disconnecting a client whose ID another
 * node took meanwhile, so that IDs stay unique) and recreates its inbox.
 *
 * <p>When Redis has lost its data, the IDs that other nodes' clients hold are unknown until those
 * nodes claim them again, and a node paused for less than {@code heartbeat-ttl} is alive, so the
 * first beat that finds no registry opens a reclaim window ({@link ClusterProperties#reclaimWindow()})
 * in Redis: no node hands out an ID until it closes, and this node is not ready meanwhile.
 *
 * <p>Starts before the relay listens, so that the first clients already get cluster IDs, and
 * stops after it, leaving the cluster so that its clients vanish from the registry at once.
 */
final class NodeMembership implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(NodeMembership.class);
    static final int PHASE = -1000;

    private final RedisBackplane backplane;
    private final RedisIdAllocator ids;
    private final NodeLinks links;
    private final ClientRegistry registry;
    private final Duration interval;
    private final Duration ttl;
    private final Duration reclaimWindow;
    private final byte[] emptyEntry;
    private volatile boolean joined;
    private boolean joinedBefore;
    private volatile long downSinceNanos = System.nanoTime();
    /**
     * When the reclaim window seen at the last beat closes, on System.nanoTime() (which may be
     * negative, hence not 0 at first). Written by the heartbeat thread, read by health and metrics.
     */
    private volatile long reclaimingUntilNanos = System.nanoTime();
    private volatile @Nullable String problem = "not joined yet";
    private ScheduledExecutorService scheduler;

    NodeMembership(RedisBackplane backplane, RedisIdAllocator ids, NodeLinks links, ClientRegistry registry,
            ClusterProperties properties) {
        this.backplane = backplane;
        this.ids = ids;
        this.links = links;
        this.registry = registry;
        this.interval = properties.heartbeatInterval();
        this.ttl = properties.heartbeatTtl();
        this.reclaimWindow = properties.reclaimWindow();
        this.emptyEntry = new ClusterCodec.Builder(backplane.node()).take();
    }

    boolean isJoined() {
        return this.joined;
    }

    /** Whether the nodes were reclaiming their clients' IDs at the last beat, so that none hands out IDs. */
    boolean isReclaiming() {
        return this.reclaimingUntilNanos - System.nanoTime() > 0;
    }

    /** The other nodes alive at the last beat. */
    Set<String> liveNodes() {
        return this.links.live();
    }

    @Nullable String problem() {
        return this.problem;
    }

    String node() {
        return this.backplane.node();
    }

    void beat() {
        try {
            long beatStart = System.nanoTime();
            RedisBackplane.Heartbeat heartbeat = this.backplane.heartbeat(this.ttl, this.reclaimWindow);
            if (heartbeat.reclaiming().isPositive()) {
                if (!isReclaiming()) {
                    logger.warn("Redis holds no registry of client IDs (it is new, or lost its data): no node hands"
                            + " out IDs for the next " + heartbeat.reclaiming().toMillis() + " ms, while every node"
                            + " alive before claims its clients' IDs again; new connections wait");
                }
                // Counted from the answer, not the request: ready no sooner than Redis hands out IDs.
                this.reclaimingUntilNanos = System.nanoTime() + heartbeat.reclaiming().toNanos();
            }
            if (!this.joined || !heartbeat.wasAlive()) {
                rejoin(heartbeat.wasAlive());
            }
            for (String dead : heartbeat.dead()) {
                long removed = this.backplane.reap(dead);
                if (removed >= 0) {
                    logger.info("Removed dead node " + dead + " and the " + removed + " client IDs it held");
                }
            }
            // Those alive at the last beat, and those linked to before it (known alive then) even if never seen alive here.
            Set<String> departed = new HashSet<>(this.links.live());
            departed.addAll(this.links.linkedBefore(beatStart));
            departed.removeAll(heartbeat.live());
            departed.remove(node());
            this.links.live(heartbeat.live());
            departed.forEach(this.links::retire);
            this.ids.sendReleased(this.backplane::release);
            this.downSinceNanos = 0;
            this.problem = null;
        }
        catch (RuntimeException ex) {
            if (Thread.currentThread().isInterrupted()) {
                return; // Stopping.
            }
            if (this.joined) {
                logger.warn("Lost Redis; relaying between this node's clients goes on: " + ex.getMessage());
            }
            joined(false);
            this.problem = String.valueOf(ex.getMessage());
            if (this.downSinceNanos == 0) {
                this.downSinceNanos = System.nanoTime();
            }
        }
        this.links.sweep(this.downSinceNanos);
    }

    private void rejoin(boolean wasAlive) {
        if (this.joinedBefore && !wasAlive) {
            // The others have taken this node for dead and dropped the outcomes they owed it.
            this.links.failPending();
        }
        this.backplane.openInbox(this.emptyEntry, false);
        this.ids.takeReleased();
        record Reclaimed(int held, List<Integer> conflicts) {
        }
        Reclaimed reclaimed = this.ids.withHeld((held) -> {
            List<Integer> conflicts = this.backplane.claim(held);
            for (int id : conflicts) {
                ClientSession session = this.registry.get(id);
                if (session != null) {
                    logger.warn("Disconnecting client " + Integer.toUnsignedString(id)
                            + ": another node took its ID while this one was away from Redis");
                    session.disconnect();
                }
            }
            Set<Integer> stale = this.backplane.clientsOf(node());
            stale.removeAll(held);
            this.backplane.release(stale);
            return new Reclaimed(held.size(), conflicts);
        });
        joined(true);
        logger.info("Node " + node() + (this.joinedBefore ? " rejoined" : " joined") + " the cluster"
                + ((wasAlive || !this.joinedBefore) ? "" : " (its keys were gone)") + " with " + reclaimed.held() + " clients"
                + (reclaimed.conflicts().isEmpty() ? ""
                        : ", " + reclaimed.conflicts().size() + " of them disconnected as their IDs were taken"));
        this.joinedBefore = true;
    }

    /** Called by the heartbeat thread, and by start and stop. */
    private void joined(boolean joined) {
        this.joined = joined;
        this.ids.joined(joined);
    }

    @Override
    public synchronized void start() {
        try {
            this.backplane.openInbox(this.emptyEntry, true);
        }
        catch (RuntimeException ex) {
            logger.warn("Redis unreachable at start: this node relays between its own clients and refuses new ones"
                    + " until it joins the cluster: " + ex.getMessage());
        }
        beat();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("cluster-heartbeat").daemon(true).factory());
        long period = this.interval.toNanos();
        this.scheduler.scheduleWithFixedDelay(this::beatSafely, period, period, TimeUnit.NANOSECONDS);
    }

    private void beatSafely() {
        try {
            beat();
        }
        catch (RuntimeException ex) {
            logger.error("Cluster heartbeat failed", ex);
        }
    }

    @Override
    public synchronized void stop() {
        if (this.scheduler == null) {
            return;
        }
        this.scheduler.shutdownNow();
        this.scheduler = null;
        joined(false);
        try {
            this.backplane.leave();
        }
        catch (RuntimeException ex) {
            logger.info("Could not leave the cluster cleanly; the others will drop this node after its TTL: "
                    + ex.getMessage());
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return this.scheduler != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
