package io.switchboard.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;

/**
 * Reads what a server writes to a client (PROTOCOL.md): the greeting, then DELIVER and ERROR
 * frames. It parses the byte stream in the chunks that reads bring and hands each complete frame
 * to a {@link FrameListener} as a slice of one buffer: no copy and no object per DELIVER, which
 * a load tool receiving millions of messages a second needs. {@link SwitchboardClient}, the
 * command line, {@code bench} and the tests all read with it. Not thread-safe: one thread reads a
 * connection.
 */
public final class ServerFrameReader {

    private static final int INITIAL_BUFFER_BYTES = 64 * 1024;

    /** Below this much room after the data, the partial frame moves to the front before a read. */
    private static final int MIN_READ_ROOM = 8 * 1024;

    private final InputStream in;
    private byte[] buf = new byte[INITIAL_BUFFER_BYTES];
    private int start;
    private int end;
    /** How many bytes from {@code start} the next frame needs, as far as it is known. */
    private int need = 1;

    /**
     * @param in the connection's input; the reader reads ahead of the frame it hands over, so
     *        nothing else may read from it
     */
    public ServerFrameReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads the greeting: this client's ID, as an unsigned value; 0 when a server in token mode
     * did not admit it ({@link #readRefusal} then reads why).
     * @throws EOFException when the server closed the connection without one
     */
    public long readGreeting() throws IOException {
        fill(Wire.GREETING_BYTES);
        long id = Wire.getUnsignedInt(this.buf, this.start);
        this.start += Wire.GREETING_BYTES;
        return id;
    }

    /**
     * After greeting 0 (token mode: not admitted), the ERROR that says why.
     * @return its code: AUTH_FAILED, from a server that keeps to the protocol
     * @throws EOFException when the server closed without it
     */
    public ErrorCode readRefusal() throws IOException {
        fill(Wire.ERROR_FRAME_BYTES);
        if (this.buf[this.start] != Wire.TYPE_ERROR) {
            throw new ProtocolException("greeting 0, then a frame of type " + this.buf[this.start] + " rather than an ERROR");
        }
        int codeByte = this.buf[this.start + 1] & 0xFF;
        ErrorCode code = ErrorCode.fromCode(codeByte);
        if (code == null) {
            throw new ProtocolException("greeting 0, then an ERROR of unknown code " + codeByte);
        }
        this.start += Wire.ERROR_FRAME_BYTES;
        return code;
    }

    /**
     * Hands {@code listener} every complete frame that has arrived, reading first (blocking)
     * until there is at least one, then calls {@link FrameListener#onReadComplete}. Frames come
     * in the order the server wrote them; a caller that wants them all calls this in a loop.
     * {@link FrameListener#onClosed} is the caller's to call.
     * @throws EOFException when the server closes the connection (between frames or inside one)
     * @throws ProtocolException when the server writes something protocol version 1 does not
     *         define; the frames before it have been handed over
     */
    public void readFrames(FrameListener listener) throws IOException {
        int handedFrom;
        do {
            fill(this.need);
            handedFrom = this.start;
            this.need = parse(listener);
        } while (this.start == handedFrom);
        if (this.start == this.end) {
            this.start = 0;
            this.end = 0;
        }
        listener.onReadComplete();
    }

    /**
     * Hands over every complete frame in the buffer.
     * @return the size of the incomplete frame left at {@code start}, as far as it is known
     *         (at least one more byte than the buffer holds of it)
     */
    private int parse(FrameListener listener) throws ProtocolException {
        byte[] b = this.buf;
        int p = this.start;
        int limit = this.end;
        try {
            while (p < limit) {
                int available = limit - p;
                switch (b[p]) {
                    case Wire.TYPE_DELIVER -> {
                        if (available < Wire.DELIVER_HEADER_BYTES) {
                            return Wire.DELIVER_HEADER_BYTES;
                        }
                        long length = Wire.getUnsignedInt(b, p + 5);
                        if (length > Integer.MAX_VALUE - 64) {
                            throw new ProtocolException("DELIVER length " + length + " is too large");
                        }
                        int size = Wire.DELIVER_HEADER_BYTES + (int) length;
                        if (available < size) {
                            return size;
                        }
                        listener.onDeliver(Wire.getUnsignedInt(b, p + 1), b, p + Wire.DELIVER_HEADER_BYTES, (int) length);
                        p += size;
                    }
                    case Wire.TYPE_ERROR -> {
                        if (available < Wire.ERROR_FRAME_BYTES) {
                            return Wire.ERROR_FRAME_BYTES;
                        }
                        int codeByte = b[p + 1] & 0xFF;
                        ErrorCode code = ErrorCode.fromCode(codeByte);
                        if (code == null) {
                            throw new ProtocolException("unknown ERROR code " + codeByte);
                        }
                        listener.onSendError(new SendError(code, Wire.getUnsignedInt(b, p + 2), Wire.getLong(b, p + 6)));
                        p += Wire.ERROR_FRAME_BYTES;
                    }
                    default -> throw new ProtocolException("unknown frame type " + (b[p] & 0xFF));
                }
            }
            return 1;
        }
        finally {
            this.start = p;
        }
    }

    /** Reads until the buffer holds at least {@code need} bytes from {@code start}. */
    private void fill(int need) throws IOException {
        if (this.buf.length - this.start < need || (this.start > 0 && this.buf.length - this.end < MIN_READ_ROOM)) {
            // Move the partial frame to the front, and grow the buffer if it cannot hold the frame.
            byte[] target = (need > this.buf.length) ? new byte[need] : this.buf;
            System.arraycopy(this.buf, this.start, target, 0, this.end - this.start);
            this.end -= this.start;
            this.start = 0;
            this.buf = target;
        }
        while (this.end - this.start < need) {
            int n = this.in.read(this.buf, this.end, this.buf.length - this.end);
            if (n < 0) {
                throw new EOFException((this.end == this.start) ? "server closed the connection"
                        : "server closed the connection inside a frame");
            }
            this.end += n;
        }
    }

    /** The server wrote bytes that protocol version 1 does not define. */
    public static final class ProtocolException extends IOException {

        private static final long serialVersionUID = 1L;

        public ProtocolException(String message) {
            super(message);
        }
    }
}
