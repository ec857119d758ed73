package io.switchboard.relay;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * The deadlines of connections that have not sent their HELLO yet ({@code switchboard.auth.
 * hello-timeout}): one platform thread, made on the first deadline (so only in token mode), that
 * refuses those that are late, so that a client cannot hold a connection by sending its HELLO a
 * byte at a time.
 *
 * <p>Threading: {@link #schedule} is called by readers, start and stop by the context; the
 * timer field is guarded by this object's lock.
 */
final class HelloDeadlines implements SmartLifecycle {

    private @Nullable ScheduledThreadPoolExecutor timer;
    /** From construction, since the relay may take connections before this starts. */
    private boolean running = true;

    /**
     * @return the deadline, to cancel once decided; null once stopped (the relay is closing every
     *         connection then)
     */
    synchronized @Nullable ScheduledFuture<?> schedule(Runnable task, Duration after) {
        if (!this.running) {
            return null;
        }
        if (this.timer == null) {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                    Thread.ofPlatform().name("hello-deadlines").daemon(true).factory());
            // A connection admitted in time cancels its deadline: let it go at once, not when it was due.
            timer.setRemoveOnCancelPolicy(true);
            this.timer = timer;
        }
        try {
            return this.timer.schedule(task, after.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException ex) {
            return null;
        }
    }

    @Override
    public synchronized void start() {
        this.running = true;
    }

    @Override
    public synchronized void stop() {
        this.running = false;
        if (this.timer != null) {
            this.timer.shutdownNow();
            this.timer = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return this.running;
    }

    /** Stops after the relay's shutdown, which closes the connections still waiting. */
    @Override
    public int getPhase() {
        return RelayShutdown.PHASE - 1;
    }
}
