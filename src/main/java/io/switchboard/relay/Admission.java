package io.switchboard.relay;

/**
 * What a client's queue answered a message offered to it: {@link OfferResult}'s answers, plus
 * one that never leaves the relay, {@link #NO_MEMORY}, on which the router first tries to free
 * memory and then applies the overflow policy.
 */
enum Admission {
    /** Taken: its outcome reaches its origin later. */
    QUEUED,
    /** No room in the queue, and the caller asked not to wait (or waited long enough). */
    BUSY,
    /** The client began to close or was disconnected while, or before, the message waited. */
    GONE,
    /** The client was already disconnected: the message was not taken. */
    CLOSED,
    /** The node's memory budget had no room for the queue to grow: nothing was taken. */
    NO_MEMORY;

    private static final Admission[] VALUES = values();

    static Admission of(int ordinal) {
        return VALUES[ordinal];
    }
}
