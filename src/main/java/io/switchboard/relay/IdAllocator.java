package io.switchboard.relay;

import java.util.function.IntPredicate;

/**
 * Hands out client IDs. A single node counts on its own; a cluster plugs in an allocator that is
 * unique across nodes.
 */
public interface IdAllocator {

    /**
     * The next ID, never 0, never one for which {@code inUse} answers true.
     * @throws IllegalStateException when no ID is free
     */
    int allocate(IntPredicate inUse);

    /** The ID's client has disconnected. */
    default void release(int id) {
    }
}
