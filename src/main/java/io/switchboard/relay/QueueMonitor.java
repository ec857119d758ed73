package io.switchboard.relay;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Looks at every client's queue at a tenth of {@code slow-consumer-timeout} (at most every
 * second). It disconnects a client whose queue has held data for longer than that timeout with
 * no write to its socket making progress: its writer is then failed by the closed socket, and
 * everything queued for it ends as DESTINATION_GONE. And it has an idle queue give back the
 * buffers it grew for a burst, so that an idle client costs the same after traffic as before.
 */
final class QueueMonitor implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(QueueMonitor.class);

    private final ClientRegistry registry;
    private final RelayMetrics metrics;
    private final long timeoutNanos;
    private final long periodNanos;
    private ScheduledExecutorService scheduler;

    QueueMonitor(ClientRegistry registry, RelayMetrics metrics, Duration timeout) {
        this.registry = registry;
        this.metrics = metrics;
        this.timeoutNanos = timeout.toNanos();
        // Checked often enough that a consumer is evicted within a tenth of the timeout of it.
        this.periodNanos = Math.clamp(this.timeoutNanos / 10, TimeUnit.MILLISECONDS.toNanos(10),
                TimeUnit.SECONDS.toNanos(1));
    }

    void check() {
        long now = System.nanoTime();
        for (ClientSession session : this.registry.all()) {
            long since = session.queue().stalledSinceNanos();
            if (since != 0 && now - since > this.timeoutNanos && !session.isClosed()) {
                logger.info("Disconnecting slow consumer " + session + ": its queue held "
                        + session.queuedBytes() + " bytes with no write for " + Duration.ofNanos(now - since));
                this.metrics.evicted();
                session.disconnect();
            }
            else if (since == 0) {
                session.queue().trimIfIdle();
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

    @Override
    public synchronized boolean isRunning() {
        return this.scheduler != null;
    }
}
