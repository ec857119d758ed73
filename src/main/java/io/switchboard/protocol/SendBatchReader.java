package io.switchboard.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads SEND frames from a blocking stream, as many as one read brings, so that a burst of
 * frames costs one dispatch rather than one per frame.
 *
 * <p>A call blocks on a read into a small buffer ({@value #FIRST_READ_BYTES} bytes), so that an
 * idle connection holds only that while it waits and a short message costs one read. Only when
 * that read fills the buffer does it ask the stream what else it already has, and take that in
 * one more read; it then blocks again only to complete a frame that the data ends inside of. A
 * batch therefore always ends on a frame boundary, which keeps the reader stateless between
 * calls: a client that has begun a frame finishes it, and its earlier frames of the same read
 * wait for it. Frames split at any byte and frames coalesced many to a read come out the same.
 *
 * <p>A length over {@code maxPayloadBytes} ends the batch at that frame's header, whose payload
 * is never read: the caller answers FRAME_TOO_LARGE and closes the connection.
 */
public final class SendBatchReader {

    /** Most bytes taken from the socket in one read, beyond what completes a frame. */
    public static final int DEFAULT_READ_LIMIT = 64 * 1024;

    /**
     * The first read's buffer: a frame with up to 248 payload bytes arrives in one system call,
     * where asking first for one byte and then for what is available took three (each about
     * 1.5 µs on the 2-core machine this was measured on).
     */
    public static final int FIRST_READ_BYTES = 256;

    private final long maxPayloadBytes;
    private final int readLimit;

    public SendBatchReader(long maxPayloadBytes) {
        this(maxPayloadBytes, DEFAULT_READ_LIMIT);
    }

    public SendBatchReader(long maxPayloadBytes, int readLimit) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("maxPayloadBytes must be from 0 to " + (Integer.MAX_VALUE - 64));
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.readLimit = Math.max(readLimit, Wire.SEND_HEADER_BYTES);
    }

    /**
     * Reads the next batch into a new array.
     * @return the batch, with at least one complete frame or an oversized frame's header
     * @throws EOFException when the stream ends, cleanly between frames or inside one
     * @throws IOException when reading fails
     */
    public SendBatch read(InputStream in) throws IOException {
        return read(in, new byte[Math.min(FIRST_READ_BYTES, this.readLimit)]);
    }

    /**
     * Reads the next batch, first into {@code firstRead}: a connection's reader that passes the
     * same array every time allocates nothing for a read that fits it. The batch may then hold
     * that array, so it must be done with before the next call.
     * @param firstRead at least {@link Wire#SEND_HEADER_BYTES} bytes; {@link #FIRST_READ_BYTES}
     *        is the size this reader was measured with
     * @return the batch, with at least one complete frame or an oversized frame's header
     * @throws EOFException when the stream ends, cleanly between frames or inside one
     * @throws IOException when reading fails
     */
    public SendBatch read(InputStream in, byte[] firstRead) throws IOException {
        if (firstRead.length < Wire.SEND_HEADER_BYTES) {
            throw new IllegalArgumentException("firstRead must hold a SEND header");
        }
        byte[] buf = firstRead;
        int filled = in.read(buf, 0, buf.length);
        if (filled < 0) {
            throw new EOFException("end of stream between frames");
        }
        if (filled == buf.length && filled < this.readLimit) {
            // A full buffer: the socket may hold more of the burst; take it in one more read.
            int available = Math.max(0, in.available());
            if (available > 0) {
                buf = Arrays.copyOf(buf, (int) Math.min((long) filled + available, this.readLimit));
                filled += readSome(in, buf, filled, buf.length - filled);
            }
        }
        int pos = 0;
        int frames = 0;
        while (true) {
            // Parse every complete frame in buf[pos, filled).
            while (filled - pos >= Wire.SEND_HEADER_BYTES) {
                long length = Wire.getUnsignedInt(buf, pos + 4);
                if (length > this.maxPayloadBytes) {
                    return new SendBatch(buf, pos, frames, Wire.getUnsignedInt(buf, pos));
                }
                int frameEnd = pos + Wire.SEND_HEADER_BYTES + (int) length;
                if (frameEnd > filled) {
                    break;
                }
                pos = frameEnd;
                frames++;
            }
            if (pos == filled && frames > 0) {
                return new SendBatch(buf, pos, frames, -1);
            }
            // The data ends inside a frame: complete its header, then its payload.
            int need = (filled - pos < Wire.SEND_HEADER_BYTES)
                    ? pos + Wire.SEND_HEADER_BYTES
                    : pos + Wire.SEND_HEADER_BYTES + (int) Wire.getUnsignedInt(buf, pos + 4);
            if (need > buf.length) {
                buf = Arrays.copyOf(buf, need);
            }
            while (filled < need) {
                filled += readSome(in, buf, filled, need - filled);
            }
        }
    }

    private static int readSome(InputStream in, byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n < 0) {
            throw new EOFException("end of stream inside a frame");
        }
        return n;
    }
}
