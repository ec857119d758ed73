package io.switchboard.relay;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A payload that queues hold by reference rather than copy: a frame the reader read into an
 * array of its own, or a broadcast's body, which every recipient shares. Its memory counts
 * once against the node's budget and is given back when the last queue holding it lets go.
 *
 * <p>Thread-safe: the count of holders is atomic; the bytes are never written once made.
 */
final class Body {

    final byte[] bytes;
    final int offset;
    final int length;
    private final MemoryBudget budget;
    private final long memory;
    private final AtomicInteger holders = new AtomicInteger(1);

    /**
     * @param memory what was taken from {@code budget} for the array, given back with the last hold;
     *        the maker holds the body until it calls {@link #release()}
     */
    Body(byte[] bytes, int offset, int length, MemoryBudget budget, long memory) {
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
        this.budget = budget;
        this.memory = memory;
    }

    /** One more queue holds the body. */
    void retain() {
        this.holders.incrementAndGet();
    }

    /** One holder lets go; the last gives the memory back. */
    void release() {
        if (this.holders.decrementAndGet() == 0) {
            this.budget.give(this.memory);
        }
    }
}
