package io.switchboard.protocol;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what a server writes to a client: the greeting, then DELIVER and ERROR frames.
 * Not thread-safe: one thread reads a connection.
 */
public final class ServerFrameReader {

    private final DataInputStream in;

    public ServerFrameReader(InputStream in) {
        this.in = new DataInputStream(new BufferedInputStream(in, 64 * 1024));
    }

    /** Reads the greeting: this client's ID. */
    public int readGreeting() throws IOException {
        return this.in.readInt();
    }

    /**
     * Reads the next frame, blocking until it is complete.
     * @throws java.io.EOFException when the server closed the connection
     * @throws ProtocolException when the server wrote something version 1 does not define
     */
    public ServerFrame read() throws IOException {
        int type = this.in.readUnsignedByte();
        switch (type) {
            case Wire.TYPE_DELIVER -> {
                int src = this.in.readInt();
                long length = Integer.toUnsignedLong(this.in.readInt());
                if (length > Integer.MAX_VALUE - 64) {
                    throw new ProtocolException("DELIVER length " + length + " is too large");
                }
                byte[] payload = new byte[(int) length];
                this.in.readFully(payload);
                return new ServerFrame.Deliver(src, payload);
            }
            case Wire.TYPE_ERROR -> {
                int codeByte = this.in.readUnsignedByte();
                int dest = this.in.readInt();
                long seq = this.in.readLong();
                ErrorCode code = ErrorCode.fromCode(codeByte);
                if (code == null) {
                    throw new ProtocolException("unknown ERROR code " + codeByte);
                }
                return new ServerFrame.Error(code, dest, seq);
            }
            default -> throw new ProtocolException("unknown frame type " + type);
        }
    }

    /** The server wrote bytes that protocol version 1 does not define. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }
}
