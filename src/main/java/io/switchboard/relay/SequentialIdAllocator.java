package io.switchboard.relay;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

import io.switchboard.protocol.Wire;

/** Counts from 1 to 4294967295, then wraps, skipping 0 and IDs still in use. */
final class SequentialIdAllocator implements IdAllocator {

    private final AtomicLong next = new AtomicLong();

    @Override
    public int allocate(IntPredicate inUse) {
        for (long tries = 0; tries < Wire.MAX_ID; tries++) {
            long candidate = this.next.updateAndGet(n -> (n >= Wire.MAX_ID) ? 1 : n + 1);
            int id = (int) candidate;
            if (!inUse.test(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no client ID is free");
    }
}
