package io.switchboard.relay;

/** What became of a message offered to a client's queue. */
public enum OfferResult {
    /** Taken: its outcome reaches its origin later. */
    QUEUED,
    /** No room, and the caller asked not to wait. */
    BUSY,
    /** The client disconnected while the message waited for room. */
    GONE,
    /** The client was already disconnected: the message was not taken. */
    CLOSED
}
