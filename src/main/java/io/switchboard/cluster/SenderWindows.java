package io.switchboard.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Bounds what one sender has in flight to one remote destination, the remote side of
 * PROTOCOL.md's flow control: a sender over its bound waits (policy {@code pause}, so TCP
 * pushes back on it as it would for a local destination) or is told DESTINATION_BUSY
 * ({@code reject}), and a slow remote destination holds at most one window per sender.
 * A window has room when it is empty or when the message fits, like a queue.
 *
 * <p>A window is in the map while it holds bytes or a sender waits on it; the message that
 * took room keeps its {@link Window} and gives the room back to it, with no look-up. Threads:
 * senders acquire (client readers, operator requests), outcomes release (the inbox reader, the
 * heartbeat's sweep, a link's appender or retirement).
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

    /** One sender's window to one destination. Its fields are guarded by its monitor. */
    static final class Window {

        private final long key;
        private long bytes;
        private int waiting;
        /** Out of the map: an acquire that finds it so takes a new window. */
        private boolean retired;

        private Window(long key) {
            this.key = key;
        }
    }

    private final long maxBytes;
    private final ConcurrentHashMap<Long, Window> windows = new ConcurrentHashMap<>();

    SenderWindows(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** What one window holds at most, unless a single message larger than that has it to itself. */
    long maxBytes() {
        return this.maxBytes;
    }

    /**
     * Takes {@code cost} from the window of {@code key}, waiting up to {@code waitNanos}
     * ({@code Long.MAX_VALUE}: for as long as it takes) for room.
     * @return the window it was taken from, to release it to; null when there was no room in time
     */
    @Nullable Window acquire(long key, long cost, long waitNanos) {
        long deadline = (waitNanos == Long.MAX_VALUE) ? 0 : System.nanoTime() + waitNanos;
        while (true) {
            Window window = this.windows.get(key);
            if (window == null) {
                Window made = new Window(key);
                window = this.windows.putIfAbsent(key, made);
                window = (window != null) ? window : made;
            }
            synchronized (window) {
                if (window.retired) {
                    continue;
                }
                while (window.bytes > 0 && window.bytes + cost > this.maxBytes) {
                    long remaining = (waitNanos == Long.MAX_VALUE) ? Long.MAX_VALUE : deadline - System.nanoTime();
                    if (remaining <= 0 || !await(window, remaining)) {
                        retireIfIdle(window);
                        return null;
                    }
                }
                window.bytes += cost;
                return window;
            }
        }
    }

    /** Waits on {@code window}'s monitor, held; false when interrupted. */
    private static boolean await(Window window, long nanos) {
        window.waiting++;
        try {
            if (nanos == Long.MAX_VALUE) {
                window.wait();
            }
            else {
                TimeUnit.NANOSECONDS.timedWait(window, nanos);
            }
            return true;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        finally {
            window.waiting--;
        }
    }

    /** The outcome of a message is known: its cost goes back to its window. */
    void release(Window window, long cost) {
        synchronized (window) {
            window.bytes -= cost;
            if (window.waiting > 0) {
                window.notifyAll();
            }
            else {
                retireIfIdle(window);
            }
        }
    }

    /** Called holding the window's monitor: a window with nothing in flight and nobody waiting leaves the map. */
    private void retireIfIdle(Window window) {
        if (window.bytes == 0 && window.waiting == 0 && !window.retired) {
            window.retired = true;
            this.windows.remove(window.key, window);
        }
    }

    /** Windows in the map, for tests: those with bytes in flight or senders waiting. */
    int size() {
        return this.windows.size();
    }
}
