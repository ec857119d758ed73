package io.switchboard.relay;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/** Counts through the scheme's range, then wraps, skipping IDs still in use. */
final class SequentialIdAllocator implements IdAllocator {

    private final IdScheme scheme;
    private final AtomicLong last;

    SequentialIdAllocator(IdScheme scheme) {
        this.scheme = scheme;
        this.last = new AtomicLong(scheme.min() - 1);
    }

    @Override
    public int allocate(IntPredicate inUse) {
        long min = this.scheme.min();
        long max = this.scheme.max();
        for (long tries = 0; tries < this.scheme.size(); tries++) {
            int id = (int) this.last.updateAndGet((n) -> (n >= max || n < min) ? min : n + 1);
            if (!inUse.test(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no client ID is free");
    }
}
