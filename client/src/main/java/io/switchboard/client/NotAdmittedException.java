package io.switchboard.client;

import io.switchboard.protocol.ErrorCode;

/**
 * A server in token mode did not admit this client: it answered the HELLO with greeting 0 and
 * an ERROR (AUTH_FAILED). The server logs and counts the reason (a bad signature, an expired
 * token...) but does not send it.
 */
public class NotAdmittedException extends ConnectionClosedException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public NotAdmittedException(String server, ErrorCode code) {
        super("server " + server + " did not admit this client (" + code + "): its connect token was refused; the"
                + " server's log says why (at DEBUG) and switchboard_auth_failures_total counts it", null);
        this.code = code;
    }

    /** The ERROR's code: AUTH_FAILED. */
    public ErrorCode code() {
        return this.code;
    }
}
