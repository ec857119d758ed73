package io.switchboard.client;

import java.io.IOException;

import org.jspecify.annotations.Nullable;

/**
 * The client's connection has ended: it was closed by the application, or by the server (which
 * closes a connection after FRAME_TOO_LARGE, when the operator disconnects it, when it is
 * evicted as a slow consumer, or when the server shuts down), or it failed.
 */
public class ConnectionClosedException extends IOException {

    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
