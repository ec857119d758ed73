package io.switchboard.admin;

import org.springframework.http.HttpStatus;

import io.switchboard.protocol.ErrorCode;

/** What became of a message the operator sent, and the status that says so (ADMIN-API.md). */
enum SendOutcome {

    DELIVERED(HttpStatus.OK, "Written to the client"),
    NOT_CONNECTED(HttpStatus.NOT_FOUND, "No client with this ID is connected"),
    GONE(HttpStatus.GONE, "The client disconnected before the message was written to it"),
    QUEUE_FULL(HttpStatus.TOO_MANY_REQUESTS, "The client's queue has no room for the message"),
    TIMED_OUT(HttpStatus.GATEWAY_TIMEOUT, "The message was not written to the client within send-timeout");

    final HttpStatus status;
    final String detail;

    SendOutcome(HttpStatus status, String detail) {
        this.status = status;
        this.detail = detail;
    }

    /** The outcome of a message that failed with {@code code}, the one place an ERROR becomes an HTTP status. */
    static SendOutcome of(ErrorCode code) {
        return switch (code) {
            // Only from another node (cluster mode): its queue was full under reject, or the
            // client had left that node before the message got there.
            case DESTINATION_BUSY -> QUEUE_FULL;
            case UNKNOWN_DESTINATION -> NOT_CONNECTED;
            // A queued message on this node fails only because its client went away.
            default -> GONE;
        };
    }
}
