package io.switchboard.relay;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Looks at every client's queue at a tenth of {@code slow-consumer-timeout} (at most every
 * second). It disconnects a client whose queue has held data for longer than that timeout with
 * no write to its socket making progress: its writer is then failed by the closed socket, and
 * everything queued for it ends as DESTINATION_GONE. It closes a client that began to close its
 * session more than {@code shutdown-grace} ago and has not finished (PROTOCOL.md section 5, "A
 * client closing"). And it has an idle queue give back the buffers it grew for a burst, so that
 * an idle client costs the same after traffic as before.
 *
 * <p>It runs until after the relay's shutdown, so that slow consumers are still evicted while
 * the others drain.
 */
final class QueueMonitor implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(QueueMonitor.class);

    private final ClientRegistry registry;
    private final RelayMetrics metrics;
    private final MemoryBudget budget;
    private final MemoryRelief relief;
    private final AtomicBoolean reliefPending = new AtomicBoolean();
    private final ThrottledLog evictions;
    private final long timeoutNanos;
    private final long closingGraceNanos;
    private final long periodNanos;
    private volatile ScheduledExecutorService scheduler;

    QueueMonitor(ClientRegistry registry, RelayMetrics metrics, MemoryBudget budget, MemoryRelief relief,
            Duration timeout, Duration closingGrace) {
        this.registry = registry;
        this.metrics = metrics;
        this.budget = budget;
        this.relief = relief;
        this.timeoutNanos = timeout.toNanos();
        this.closingGraceNanos = closingGrace.toNanos();
        this.evictions = new ThrottledLog(logger, (clients, bytes) -> "Disconnected " + clients
                + " slow consumers (switchboard.slow-consumer-timeout, " + timeout + "): their queues held " + bytes
                + " bytes with no write for that long; what they held ended as DESTINATION_GONE");
        // Checked often enough that a consumer is evicted within a tenth of the timeout of it.
        this.periodNanos = Math.clamp(this.timeoutNanos / 10, TimeUnit.MILLISECONDS.toNanos(10),
                TimeUnit.SECONDS.toNanos(1));
    }

    void check() {
        if (this.budget.used() > this.budget.limit()) {
            this.relief.relieve();
        }
        long now = System.nanoTime();
        int evicted = 0;
        long evictedBytes = 0;
        for (ClientSession session : this.registry.all()) {
            long since = session.queue().stalledSinceNanos();
            if (since != 0 && now - since > this.timeoutNanos && !session.isClosed()) {
                logger.debug("Disconnecting slow consumer " + session + ": its queue held "
                        + session.queuedBytes() + " bytes with no write for " + Duration.ofNanos(now - since));
                evicted++;
                evictedBytes += session.queuedBytes();
                this.metrics.evicted(RelayMetrics.Eviction.SLOW_CONSUMER);
                session.disconnect();
                continue;
            }
            long closingSince = session.closingSinceNanos();
            if (closingSince != 0 && now - closingSince > this.closingGraceNanos && !session.isClosed()) {
                logger.debug("Closing " + session + ": it began to close " + Duration.ofNanos(now - closingSince)
                        + " ago and still had " + session.queuedBytes() + " bytes queued or SENDs without an outcome");
                session.disconnect();
            }
            else if (since == 0) {
                session.queue().trimIfIdle();
            }
        }
        if (evicted > 0) {
            this.evictions.record(evicted, evictedBytes);
        }
    }

    /**
     * Asks for memory to be freed soon, on this monitor's thread: for a thread that must not
     * block, such as one that has just reported ERRORs past the budget's limit.
     */
    void relieveSoon() {
        ScheduledExecutorService scheduler = this.scheduler;
        if (scheduler != null && this.reliefPending.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    this.reliefPending.set(false);
                    this.relief.relieve();
                });
            }
            catch (RejectedExecutionException ex) {
                // Stopping: the relay is shutting down.
                this.reliefPending.set(false);
            }
        }
    }

    @Override
    public synchronized void start() {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                .name("queue-monitor").daemon(true).factory());
        this.scheduler.scheduleWithFixedDelay(this::checkSafely, this.periodNanos, this.periodNanos,
                TimeUnit.NANOSECONDS);
    }

    private void checkSafely() {
        try {
            check();
        }
        catch (RuntimeException ex) {
            logger.error("Queue check failed", ex);
        }
    }

    @Override
    public synchronized void stop() {
        if (this.scheduler != null) {
            this.scheduler.shutdownNow();
            this.scheduler = null;
        }
    }

    /** Stops after {@link RelayShutdown}. */
    @Override
    public int getPhase() {
        return RelayShutdown.PHASE - 1;
    }

    @Override
    public synchronized boolean isRunning() {
        return this.scheduler != null;
    }
}
