package io.switchboard.client;

import java.io.IOException;

import org.jspecify.annotations.Nullable;

/**
 * A low-level alternative to {@link IncomingListener} for high message rates: payloads are
 * handed over as a slice of the reader's buffer, without a copy or an object per message.
 * Called on the client's reader thread; a call that blocks stops the reader.
 */
public interface FrameListener {

    /**
     * A DELIVER frame.
     * @param src the sender's ID, 0 for the operator
     * @param buffer holds the payload at {@code [offset, offset + length)}; valid only during
     *        this call, the reader overwrites it afterwards
     */
    void onDeliver(long src, byte[] buffer, int offset, int length);

    /** An ERROR frame about one of this client's SENDs. */
    void onSendError(SendError error);

    /**
     * The frames of one socket read have all been handed over: a point to publish counts
     * gathered per frame, so that a burst costs one publication rather than one per frame.
     */
    default void onReadComplete() {
    }

    /**
     * The connection ended; nothing more will arrive.
     * @param cause null when the application closed the client, otherwise why it ended
     */
    default void onClosed(@Nullable IOException cause) {
    }
}
