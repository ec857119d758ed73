package io.switchboard.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads SEND frames from a blocking stream, as many as one read brings, so that a burst of
 * frames costs one dispatch rather than one per frame.
 *
 * <p>A call blocks on a one-byte read first, so that an idle connection holds no buffer while
 * it waits; it then takes what the socket already has in one read, and blocks again only to
 * complete a frame that the data ends inside of. A batch therefore always ends on a frame
 * boundary, which keeps the reader stateless between calls: a client that has begun a frame
 * finishes it, and its earlier frames of the same read wait for it. Frames split at any byte
 * and frames coalesced many to a read come out the same.
 *
 * <p>A length over {@code maxPayloadBytes} ends the batch at that frame's header, whose payload
 * is never read: the caller answers FRAME_TOO_LARGE and closes the connection.
 */
public final class SendBatchReader {

    /** Most bytes taken from the socket in one read, beyond what completes a frame. */
    public static final int DEFAULT_READ_LIMIT = 64 * 1024;

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
     * Reads the next batch.
     * @return the batch, with at least one complete frame or an oversized frame's header
     * @throws EOFException when the stream ends, cleanly between frames or inside one
     * @throws IOException when reading fails
     */
    public SendBatch read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("end of stream between frames");
        }
        int available = Math.max(0, in.available());
        byte[] buf = new byte[Math.clamp(1L + available, Wire.SEND_HEADER_BYTES, this.readLimit)];
        buf[0] = (byte) first;
        int filled = 1;
        if (available > 0) {
            filled += readSome(in, buf, filled, Math.min(available, buf.length - filled));
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
            if (pos == filled) {
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
