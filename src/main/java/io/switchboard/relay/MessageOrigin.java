package io.switchboard.relay;

import io.switchboard.protocol.ErrorCode;

/**
 * Who learns the outcome of a message taken into a queue: the sending client, or an operator
 * waiting for an answer. Exactly one of the two methods is called, once, for every message.
 * Calls come from any thread and must not block.
 */
public interface MessageOrigin {

    /** For a message whose outcome nobody waits for, such as a broadcast's. */
    MessageOrigin NONE = new MessageOrigin() {
        @Override
        public void delivered(int dest, long seq) {
        }

        @Override
        public void failed(ErrorCode code, int dest, long seq) {
        }
    };

    /** The message was written in full to its destination's socket. */
    void delivered(int dest, long seq);

    /**
     * The {@code count} messages numbered {@code firstSeq} to {@code firstSeq + count - 1}, each
     * of which this origin gave the queue, were written in full: as many outcomes as calls of
     * {@link #delivered(int, long)}, for an origin that can report a run of them at once.
     */
    default void delivered(int dest, long firstSeq, int count) {
        for (int i = 0; i < count; i++) {
            delivered(dest, firstSeq + i);
        }
    }

    /** The message will not be written. */
    void failed(ErrorCode code, int dest, long seq);
}
