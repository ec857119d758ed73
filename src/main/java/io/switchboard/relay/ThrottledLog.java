package io.switchboard.relay;

import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;

/**
 * A log line about events that clients can cause in floods (disconnections for not reading,
 * for holding memory): the first is written at once, the ones after it are counted and written
 * as one summary at most every ten seconds, so that an attacker cannot fill the log. Thread-safe.
 */
final class ThrottledLog {

    /** Writes the line for {@code events} events that together came to {@code bytes}. */
    @FunctionalInterface
    interface Line {
        String of(long events, long bytes);
    }

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Log log;
    private final Line line;
    // Guarded by this.
    private long lastNanos;
    private boolean written;
    private long events;
    private long bytes;

    ThrottledLog(Log log, Line line) {
        this.log = log;
        this.line = line;
    }

    /** Counts {@code count} events of {@code amount} bytes, and writes what is due. */
    synchronized void record(long count, long amount) {
        this.events += count;
        this.bytes += amount;
        long now = System.nanoTime();
        if (this.events > 0 && (!this.written || now - this.lastNanos >= INTERVAL_NANOS)) {
            this.log.warn(this.line.of(this.events, this.bytes));
            this.written = true;
            this.lastNanos = now;
            this.events = 0;
            this.bytes = 0;
        }
    }
}
