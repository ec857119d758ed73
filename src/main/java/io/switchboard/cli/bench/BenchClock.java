package io.switchboard.cli.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * The timeline of a run on {@link System#nanoTime()}: start, then warm-up, then the measured
 * window {@code [windowStart, windowEnd)}, at whose end senders stop. Set by {@link #begin}
 * once every client is connected; readers see it through volatile fields.
 */
final class BenchClock {

    private final long warmupNanos;
    private final long durationNanos;
    volatile long start;
    volatile long windowStart;
    volatile long windowEnd;
    private volatile boolean begun;
    private volatile boolean stopped;

    BenchClock(long warmupNanos, long durationNanos) {
        this.warmupNanos = warmupNanos;
        this.durationNanos = durationNanos;
    }

    void begin(long start) {
        this.start = start;
        this.windowStart = start + this.warmupNanos;
        this.windowEnd = this.windowStart + this.durationNanos;
        this.begun = true;
    }

    boolean inWindow(long t) {
        return this.begun && t - this.windowStart >= 0 && t - this.windowEnd < 0;
    }

    void stop() {
        this.stopped = true;
    }

    boolean stopped() {
        return this.stopped;
    }

    /** Parks until {@code t}; false (at once) when the run is stopped. */
    boolean sleepUntil(long t) {
        long wait;
        while (!this.stopped && (wait = t - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        return !this.stopped;
    }
}
