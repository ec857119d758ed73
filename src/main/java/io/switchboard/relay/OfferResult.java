package io.switchboard.relay;

import io.switchboard.protocol.ErrorCode;

/** What became of a message offered to a client's queue. */
public enum OfferResult {
    /** Taken: its outcome reaches its origin later. */
    QUEUED,
    /** No room, and the caller asked not to wait. */
    BUSY,
    /** The client disconnected while the message waited for room. */
    GONE,
    /** The client was already disconnected: the message was not taken. */
    CLOSED;

    /**
     * The ERROR that tells a sender its message was not taken: the one place where this answer
     * becomes an outcome, for the router, the cluster's receiving side and the admin API (whose
     * {@code SendOutcome} turns the ERROR into an HTTP status).
     * @throws IllegalStateException for {@link #QUEUED}, whose outcome comes later
     */
    public ErrorCode error() {
        return switch (this) {
            case BUSY -> ErrorCode.DESTINATION_BUSY;
            case GONE -> ErrorCode.DESTINATION_GONE;
            case CLOSED -> ErrorCode.UNKNOWN_DESTINATION;
            case QUEUED -> throw new IllegalStateException("a queued message has no outcome yet");
        };
    }
}
