package io.switchboard.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;

/**
 * Bounds what one sender has in flight to one remote destination, the remote side of
 * PROTOCOL.md's flow control: a sender over its bound waits (policy {@code pause}, so TCP
 * pushes back on it as it would for a local destination) or is told DESTINATION_BUSY
 * ({@code reject}), and a slow remote destination holds at most one window per sender.
 * A window has room when it is empty or when the message fits, like a queue.
 */
final class SenderWindows {

    /** One sender and destination. Origins compare by identity: one per sending client. */
    record Pair(MessageOrigin origin, int dest) {
    }

    private static final class Window {
        long bytes;
        /** Messages in flight plus senders waiting: the window is dropped when none is left. */
        int holds;
    }

    private final long maxBytes;
    private final ConcurrentHashMap<Pair, Window> windows = new ConcurrentHashMap<>();

    SenderWindows(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** @return QUEUED when the cost was taken from the window, BUSY when there was no room in time */
    OfferResult acquire(Pair pair, long cost, long waitNanos) {
        Window window = this.windows.compute(pair, (key, value) -> {
            Window w = (value != null) ? value : new Window();
            synchronized (w) {
                w.holds++;
            }
            return w;
        });
        boolean taken = false;
        try {
            synchronized (window) {
                long deadline = (waitNanos == Long.MAX_VALUE) ? 0 : System.nanoTime() + waitNanos;
                while (window.bytes > 0 && window.bytes + cost > this.maxBytes) {
                    if (waitNanos == Long.MAX_VALUE) {
                        window.wait();
                    }
                    else {
                        long remaining = deadline - System.nanoTime();
                        if (remaining <= 0) {
                            return OfferResult.BUSY;
                        }
                        TimeUnit.NANOSECONDS.timedWait(window, remaining);
                    }
                }
                window.bytes += cost;
                taken = true;
                return OfferResult.QUEUED;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return OfferResult.BUSY;
        }
        finally {
            if (!taken) {
                drop(pair);
            }
        }
    }

    /** The outcome of a message is known: its cost goes back to the window. */
    void release(Pair pair, long cost) {
        Window window = this.windows.get(pair);
        if (window == null) {
            return;
        }
        synchronized (window) {
            window.bytes -= cost;
            window.notifyAll();
        }
        drop(pair);
    }

    private void drop(Pair pair) {
        this.windows.computeIfPresent(pair, (key, w) -> {
            synchronized (w) {
                return (--w.holds == 0) ? null : w;
            }
        });
    }

    /** Windows in use, for tests and metrics. */
    int size() {
        return this.windows.size();
    }
}
