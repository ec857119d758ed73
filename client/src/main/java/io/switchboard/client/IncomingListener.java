package io.switchboard.client;

import java.io.IOException;

import org.jspecify.annotations.Nullable;

/**
 * Receives what the server sends a {@link SwitchboardClient}, on the client's reader thread, in
 * the order it arrived.
 *
 * <p>The reader reads nothing more while a call runs: a listener that blocks holds up this
 * client's incoming messages (and, through TCP, the server's queue for it), never other clients.
 */
@FunctionalInterface
public interface IncomingListener {

    /** A message for this client, or an ERROR about one of its SENDs. */
    void onIncoming(Incoming incoming);

    /**
     * The connection ended; nothing more will arrive.
     * @param cause null when the application closed the client; otherwise why it ended, such as
     *        the server closing it ({@link java.io.EOFException})
     */
    default void onClosed(@Nullable IOException cause) {
    }
}
