package io.switchboard.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.switchboard.relay.OfferResult;

/**
 * Bounds what one sender has in flight to one remote destination, the remote side of
 * PROTOCOL.md's flow control: a sender over its bound waits (policy {@code pause}, so TCP
 * pushes back on it as it would for a local destination) or is told DESTINATION_BUSY
 * ({@code reject}), and a slow remote destination holds at most one window per sender.
 * A window has room when it is empty or when the message fits, like a queue.
 */
final class SenderWindows {

    /**
     * The window of one sender and destination: by the sender's ID (a client's, unique on this
     * node, or the operator's 0, so that every operator request shares one window per
     * destination) rather than by the origin object, of which the operator makes one per request.
     */
    static long key(int src, int dest) {
        return mix(((long) src << 32) | (dest & 0xFFFF_FFFFL));
    }

    /**
     * MurmurHash3's 64-bit finaliser, which is a bijection, so keys stay unique. Without it,
     * {@code Long.hashCode} ({@code src ^ dest}) of the windows of pairs of neighbouring IDs
     * collide (1 ^ 2 == 5 ^ 6 == 3) and the map's bins degrade into trees.
     */
    private static long mix(long key) {
        long k = key;
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static final class Window {
        /** Guarded by the window's monitor. */
        long bytes;
        /**
         * Messages in flight plus senders waiting: the window is dropped when none is left.
         * Changed only inside the map's compute calls for the window's key, which serialise them.
         */
        int holds;
    }

    private final long maxBytes;
    private final ConcurrentHashMap<Long, Window> windows = new ConcurrentHashMap<>();

    SenderWindows(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** @return QUEUED when the cost was taken from the window, BUSY when there was no room in time */
    OfferResult acquire(long key, long cost, long waitNanos) {
        Window window = this.windows.compute(key, (k, value) -> {
            Window w = (value != null) ? value : new Window();
            w.holds++;
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
                drop(key);
            }
        }
    }

    /** The outcome of a message is known: its cost goes back to the window. */
    void release(long key, long cost) {
        Window window = this.windows.get(key);
        if (window == null) {
            return;
        }
        synchronized (window) {
            window.bytes -= cost;
            window.notifyAll();
        }
        drop(key);
    }

    private void drop(long key) {
        this.windows.computeIfPresent(key, (k, w) -> (--w.holds == 0) ? null : w);
    }
}
