package io.switchboard.relay;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's one budget of memory for messages: {@code max-total-queued-bytes} (PROTOCOL.md
 * section 4, item 4). Queues take from it for the arrays they grow beyond their initial ones
 * and for the bodies they hold, readers for the buffers of frames still arriving; both give it
 * back when they drop them. Taking happens when an array grows, not per message, so the
 * per-message path never touches this shared counter once queues have reached their working
 * size.
 *
 * <p>Thread-safe. {@link #lock} guards nothing but the wait for a release; the count itself is
 * an atomic, and a release signals only when someone waits.
 */
final class MemoryBudget {

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = this.lock.newCondition();
    /** Threads in {@link #awaitRelease}; read on every release, so kept apart from the lock. */
    private final AtomicLong waiters = new AtomicLong();
    /** Told when a forced take passes the limit: memory must be freed, though nobody waits for it. */
    private volatile Runnable overLimit = () -> { };

    MemoryBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        this.limit = limit;
    }

    long limit() {
        return this.limit;
    }

    long used() {
        return this.used.get();
    }

    /** Takes {@code bytes} if the budget has them; never waits. */
    boolean tryTake(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        long now;
        do {
            now = this.used.get();
            if (now + bytes > this.limit) {
                return false;
            }
        }
        while (!this.used.compareAndSet(now, now + bytes));
        return true;
    }

    /**
     * Takes {@code bytes} even past the limit: for what must not fail, such as an ERROR that is
     * the only outcome of a message, bounded by the message it reports, which was in the budget.
     * Past the limit, the {@link #onOverLimit} action is told, so that the holders of that memory
     * (clients that do not read their ERRORs) can be found before it adds up.
     */
    void forceTake(long bytes) {
        if (bytes > 0 && this.used.addAndGet(bytes) > this.limit) {
            this.overLimit.run();
        }
    }

    /** What to do when a forced take passes the limit; must not block. */
    void onOverLimit(Runnable action) {
        this.overLimit = action;
    }

    void give(long bytes) {
        if (bytes <= 0) {
            return;
        }
        this.used.addAndGet(-bytes);
        if (this.waiters.get() > 0) {
            this.lock.lock();
            try {
                this.released.signalAll();
            }
            finally {
                this.lock.unlock();
            }
        }
    }

    /**
     * Waits until some memory is given back, or the timeout passes.
     * @return false when interrupted
     */
    boolean awaitRelease(long timeout, TimeUnit unit) {
        this.waiters.incrementAndGet();
        this.lock.lock();
        try {
            this.released.await(timeout, unit);
            return true;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        finally {
            this.lock.unlock();
            this.waiters.decrementAndGet();
        }
    }
}
