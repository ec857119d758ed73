package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What the relay does when the node's {@link MemoryBudget} is spent (PROTOCOL.md section 4,
 * item 4): it disconnects, as slow consumers, the clients that hold the most memory and have
 * taken none of it for a second or more, so that clients that read keep flowing. A client
 * holds memory in its queue (messages it has not read) and in its reader (a frame it has begun
 * and not finished: the same rule, so that partial frames cannot hold the budget either).
 * Their messages end as DESTINATION_GONE, their partial frames are dropped. Only when this
 * frees nothing do SENDs meet the overflow policy.
 *
 * <p>Called by whichever thread found the budget spent (a reader, the operator, the cluster);
 * {@link #lock} makes one scan at a time, and others wait for it and take its answer. A scan
 * visits every client, so one runs at most every {@link #MIN_INTERVAL_NANOS}; the answer of the
 * last one stands in between.
 */
final class MemoryRelief {

    private static final Log logger = LogFactory.getLog(MemoryRelief.class);

    /** How long a client must have taken nothing of what it holds to be disconnected. */
    static final Duration STALLED = Duration.ofSeconds(1);

    private static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ClientRegistry registry;
    private final RelayMetrics metrics;
    private final MemoryBudget budget;
    private final long stalledNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final ThrottledLog evictions;

    // Guarded by lock.
    private long lastScanNanos;
    private boolean lastScanFreed;

    MemoryRelief(ClientRegistry registry, RelayMetrics metrics, MemoryBudget budget) {
        this(registry, metrics, budget, STALLED);
    }

    MemoryRelief(ClientRegistry registry, RelayMetrics metrics, MemoryBudget budget, Duration stalled) {
        this.registry = registry;
        this.metrics = metrics;
        this.budget = budget;
        this.stalledNanos = stalled.toNanos();
        this.evictions = new ThrottledLog(logger, (clients, bytes) -> "Memory for messages"
                + " (switchboard.max-total-queued-bytes, " + budget.limit() + " bytes) ran out: disconnected " + clients
                + " clients that held " + bytes + " bytes and had taken none for " + stalled.toMillis() + " ms");
    }

    /**
     * Disconnects stalled clients, those that hold the most first, until about an eighth of the
     * budget (and whatever is held past it) is freed or none is left; the memory comes back as
     * their connections close.
     * @return whether it disconnected any client (in this scan, or in the last one when that was
     *         moments ago)
     */
    boolean relieve() {
        this.lock.lock();
        try {
            long now = System.nanoTime();
            if (this.lastScanNanos != 0 && now - this.lastScanNanos < MIN_INTERVAL_NANOS) {
                return this.lastScanFreed;
            }
            this.lastScanNanos = now;
            List<Holding> stalled = new ArrayList<>();
            for (ClientSession session : this.registry.all()) {
                long held = stalledHolding(session, now);
                if (held > 0) {
                    stalled.add(new Holding(session, held));
                }
            }
            stalled.sort(Comparator.comparingLong(Holding::bytes).reversed());
            long target = Math.max(1, this.budget.limit() / 8) + Math.max(0, this.budget.used() - this.budget.limit());
            long freed = 0;
            int disconnected = 0;
            for (Holding holding : stalled) {
                if (freed >= target) {
                    break;
                }
                this.metrics.evicted(RelayMetrics.Eviction.MEMORY);
                holding.session().disconnect();
                freed += holding.bytes();
                disconnected++;
            }
            this.lastScanFreed = disconnected > 0;
            if (disconnected > 0) {
                this.evictions.record(disconnected, freed);
            }
            return this.lastScanFreed;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** What the client holds that it has taken none of for {@link #stalledNanos}; 0 when it is not stalled. */
    private long stalledHolding(ClientSession session, long now) {
        if (session.isClosed()) {
            return 0;
        }
        long held = 0;
        long queueSince = session.queue().stalledSinceNanos();
        if (queueSince != 0 && now - queueSince >= this.stalledNanos) {
            held += session.queue().heldBytes();
        }
        long readerSince = session.connection().reader().stalledSinceNanos();
        if (readerSince != 0 && now - readerSince >= this.stalledNanos) {
            held += session.connection().reader().heldBytes();
        }
        return held;
    }

    private record Holding(ClientSession session, long bytes) {
    }
}
