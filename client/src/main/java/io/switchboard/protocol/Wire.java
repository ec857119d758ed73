package io.switchboard.protocol;

/**
 * Sizes, type bytes and big-endian helpers of protocol version 1 (PROTOCOL.md).
 * Client IDs are unsigned 32-bit values carried in a Java {@code int}; {@link #toId(long)}
 * and {@link Integer#toUnsignedLong(int)} convert between the two views.
 */
public final class Wire {

    /** The greeting: the client's ID. */
    public static final int GREETING_BYTES = 4;
    /** A SEND's header: dest and length. */
    public static final int SEND_HEADER_BYTES = 8;
    /** A DELIVER's header: type, src and length. */
    public static final int DELIVER_HEADER_BYTES = 9;
    /** An ERROR frame: type, code, dest and seq. */
    public static final int ERROR_FRAME_BYTES = 14;

    public static final byte TYPE_DELIVER = 0x01;
    public static final byte TYPE_ERROR = 0x02;

    /** The largest client ID. */
    public static final long MAX_ID = 0xFFFF_FFFFL;

    /** The source of a message sent by the operator, never a client. */
    public static final int OPERATOR_ID = 0;

    /**
     * The last ID a connect token's {@code sid} may name (PROTOCOL.md section 8); in token mode
     * the server assigns the IDs above it.
     */
    public static final long MAX_STABLE_ID = 2147483647L;

    /** The longest connect token a HELLO may carry, in bytes of UTF-8. */
    public static final int MAX_TOKEN_BYTES = 8192;

    private Wire() {
    }

    public static int getInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static long getUnsignedInt(byte[] b, int off) {
        return getInt(b, off) & 0xFFFF_FFFFL;
    }

    public static long getLong(byte[] b, int off) {
        return ((long) getInt(b, off) << 32) | (getInt(b, off + 4) & 0xFFFF_FFFFL);
    }

    public static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    /** Writes a DELIVER header at {@code off}; the payload follows it. */
    public static void putDeliverHeader(byte[] b, int off, int src, int length) {
        b[off] = TYPE_DELIVER;
        putInt(b, off + 1, src);
        putInt(b, off + 5, length);
    }

    /** Writes a whole ERROR frame at {@code off}. */
    public static void putError(byte[] b, int off, ErrorCode code, int dest, long seq) {
        b[off] = TYPE_ERROR;
        b[off + 1] = (byte) code.code();
        putInt(b, off + 2, dest);
        putLong(b, off + 6, seq);
    }

    /** Writes a SEND header at {@code off}; the payload follows it. */
    public static void putSendHeader(byte[] b, int off, int dest, int length) {
        putInt(b, off, dest);
        putInt(b, off + 4, length);
    }

    /**
     * The {@code int} form of an ID given as a number.
     * @throws IllegalArgumentException when the value is not from 0 to 4294967295
     */
    public static int toId(long id) {
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException("not a u32 client ID: " + id);
        }
        return (int) id;
    }
}
