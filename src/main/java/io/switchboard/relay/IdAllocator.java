package io.switchboard.relay;

import java.util.function.IntPredicate;

/**
 * Hands out client IDs. A single node picks on its own (by its {@link IdScheme}); a cluster plugs
 * in an allocator that is unique across nodes.
 */
public interface IdAllocator {

    /**
     * A new ID from the node's scheme, never one for which {@code inUse} answers true.
     * @throws IllegalStateException when no ID is free, or none can be had now
     */
    int allocate(IntPredicate inUse);

    /** The ID's client has disconnected. */
    default void release(int id) {
    }

    /**
     * Takes {@code id}, a stable ID from a connect token, for a client of this node: whoever held
     * it elsewhere no longer does once this returns (its connection there has been told to
     * close). Clients of this node with the ID are the caller's to disconnect. Newest wins.
     * @throws IllegalStateException when the ID cannot be had now
     */
    default void takeOver(int id) {
    }
}
