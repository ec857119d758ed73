package io.switchboard.protocol;

import java.util.HexFormat;

/**
 * A frame that the server writes to a client after the greeting: a {@link Deliver} or an
 * {@link Error}.
 */
public sealed interface ServerFrame {

    /**
     * A message for this client.
     * @param src the sender's ID, or 0 when the operator sent it
     * @param payload the message, byte for byte
     */
    record Deliver(int src, byte[] payload) implements ServerFrame {

        /** The sender's ID as an unsigned number. */
        public long srcId() {
            return Integer.toUnsignedLong(this.src);
        }

        @Override
        public String toString() {
            return "Deliver[src=" + srcId() + ", payload=" + HexFormat.of().formatHex(this.payload) + "]";
        }
    }

    /**
     * A SEND of this client that was not delivered.
     * @param code why
     * @param dest the SEND's destination
     * @param seq the SEND's number on its connection, from 1
     */
    record Error(ErrorCode code, int dest, long seq) implements ServerFrame {

        /** The destination's ID as an unsigned number. */
        public long destId() {
            return Integer.toUnsignedLong(this.dest);
        }

        @Override
        public String toString() {
            return "Error[" + this.code + ", dest=" + destId() + ", seq=" + this.seq + "]";
        }
    }
}
