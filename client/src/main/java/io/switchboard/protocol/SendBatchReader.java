package io.switchboard.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the SEND frames of one connection from its blocking stream, as many as one read
 * brings, so that a burst of frames costs one dispatch rather than one per frame.
 *
 * <p>Every frame read in full is handed out at once (PROTOCOL.md section 4, Promptness): a
 * batch ends with the last complete frame of what has arrived, and the first bytes of the next
 * frame wait in the reader for the rest of it. So frames split at any byte and frames coalesced
 * many to a read come out the same, and a small frame is never held up behind a large one.
 * Nor does the reader wait in a read while it holds a complete frame: the one read it makes
 * with complete frames in hand, for the rest of a burst, comes only after the stream's
 * {@code available()} has said that bytes have arrived, and so does not block. A caller that
 * stops the reading from another thread while a read blocks may rely on that: everything read
 * in full has been handed out.
 *
 * <p>Memory follows the bytes that have arrived, never the lengths that headers declare. A call
 * blocks on a read into a small buffer ({@value #FIRST_READ_BYTES} bytes) that the reader keeps
 * for the connection's life, so an idle connection holds only that; only when a read fills it
 * does the reader ask the stream what else has arrived and take that in one more read, up to
 * the read limit. An incomplete frame grows its buffer as its bytes arrive, to at most twice
 * what they fill. A frame larger than the read limit is read into an array of its own (a
 * <em>detached</em> frame), grown the same way, and handed out with the batch, so that the
 * relay can queue its payload without copying it. Every array beyond the first-read buffer is
 * taken from a {@link FrameMemory} first and given back when it is dropped.
 *
 * <p>A length over {@code maxPayloadBytes} ends the batch at that frame's header, whose payload
 * is never read, and ends the reader: the caller answers FRAME_TOO_LARGE and closes. Lengths
 * are compared in {@code long} arithmetic, so no declared length can wrap.
 *
 * <p>Threading: one thread reads (the connection's reader); {@link #heldBytes()} and
 * {@link #stalledSinceNanos()} may be read from any thread.
 */
public final class SendBatchReader {

    /** Most bytes taken from the stream into one buffer; larger frames are read detached. */
    public static final int DEFAULT_READ_LIMIT = 64 * 1024;

    /**
     * The first read's buffer: a frame with up to 248 payload bytes arrives in one system call,
     * where asking first for one byte and then for what is available took three.
     */
    public static final int FIRST_READ_BYTES = 256;

    /**
     * The largest payload limit a reader takes: 1 GiB, so that a frame, its DELIVER header and
     * any offset into an array stay far from {@code int} overflow.
     */
    public static final long MAX_PAYLOAD_LIMIT = 1L << 30;

    private final long maxPayloadBytes;
    /** The limit of the next frame alone, which is then the batch's only frame; -1 when none. */
    private long nextFrameLimit = -1;
    private final int readLimit;
    private final FrameMemory memory;
    private final byte[] firstRead;

    /** {@link #firstRead}, or a larger array, taken from memory, while a burst or a frame needs it. */
    private byte[] buf;
    /** Bytes read into {@link #buf}, from index 0. */
    private int filled;
    /** Bytes at the start of {@link #buf} that the last batch handed out, dropped by the next read. */
    private int consumed;

    /** A frame larger than the read limit, header and payload, while it arrives; else null. */
    private byte[] detached;
    private int detachedFilled;
    private int detachedSize;

    private boolean ended;
    /** Memory taken for {@link #buf} and {@link #detached}; written by the reader only. */
    private volatile long held;
    /**
     * While the reader holds memory for a frame it cannot complete yet: when bytes of it last
     * arrived (or it began to wait). 0 otherwise. Written by the reader only.
     */
    private volatile long stalledSinceNanos;

    /** A reader with no bound on its memory, for streams the caller trusts. */
    public SendBatchReader(long maxPayloadBytes) {
        this(maxPayloadBytes, DEFAULT_READ_LIMIT, FrameMemory.UNBOUNDED);
    }

    /**
     * @param maxPayloadBytes longest payload taken, from 0 to {@link #MAX_PAYLOAD_LIMIT}
     * @param readLimit most bytes in one buffer; larger frames are read detached
     * @param memory where arrays beyond the first-read buffer are taken from
     */
    public SendBatchReader(long maxPayloadBytes, int readLimit, FrameMemory memory) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > MAX_PAYLOAD_LIMIT) {
            throw new IllegalArgumentException("maxPayloadBytes must be from 0 to " + MAX_PAYLOAD_LIMIT);
        }
        if (readLimit < Wire.SEND_HEADER_BYTES) {
            throw new IllegalArgumentException("readLimit must hold a SEND header");
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.readLimit = readLimit;
        this.memory = memory;
        this.firstRead = new byte[Math.min(FIRST_READ_BYTES, readLimit)];
        this.buf = this.firstRead;
    }

    /**
     * Reads until at least one frame is complete, or an oversized header has arrived.
     * The batch may hold this reader's buffer: route it before the next call.
     * @return the batch, with at least one complete frame or an oversized frame's header
     * @throws EOFException when the stream ends, between frames or inside one (whose bytes are
     *         then dropped: that frame was never read in full), or after an oversized frame
     * @throws IOException when reading fails, or the memory for a frame is refused
     */
    public SendBatch read(InputStream in) throws IOException {
        if (this.ended) {
            throw new EOFException("the reader has ended");
        }
        settle();
        while (true) {
            if (this.detached != null) {
                SendBatch batch = readDetached(in);
                if (batch != null) {
                    this.stalledSinceNanos = 0;
                    return batch;
                }
            }
            else {
                SendBatch batch = parse(in);
                if (batch != null) {
                    this.stalledSinceNanos = 0;
                    return batch;
                }
                if (this.detached == null) {
                    readMore(in);
                }
            }
        }
    }

    /**
     * Holds the next batch to one frame, whose payload may be at most {@code maxPayloadBytes}
     * (a connection's first frame, a connect token, has a limit of its own); the frames after it
     * stay in the buffer for the next call, under the reader's own limit.
     */
    public void limitNextFrame(long maxPayloadBytes) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > this.readLimit - Wire.SEND_HEADER_BYTES) {
            throw new IllegalArgumentException("a first frame's limit must be from 0 to the read limit");
        }
        this.nextFrameLimit = maxPayloadBytes;
    }

    /** Memory this reader holds beyond its first-read buffer, in bytes. */
    public long heldBytes() {
        return this.held;
    }

    /**
     * Since when the reader has held memory for an incomplete frame without a byte of it
     * arriving, as {@link System#nanoTime()}; 0 when it holds none or is not waiting for a frame.
     */
    public long stalledSinceNanos() {
        return this.stalledSinceNanos;
    }

    /**
     * Gives back all memory held and ends the reader; the bytes of an incomplete frame are
     * dropped. For the reader's own thread, once it reads no more.
     */
    public void release() {
        this.ended = true;
        this.memory.give(this.held);
        this.buf = this.firstRead;
        this.filled = 0;
        this.consumed = 0;
        this.detached = null;
        this.held = 0;
        this.stalledSinceNanos = 0;
    }

    /** Drops what the last batch handed out, and a grown buffer when what is left fits a first read. */
    private void settle() {
        int left = this.filled - this.consumed;
        if (this.buf != this.firstRead && left <= this.firstRead.length) {
            System.arraycopy(this.buf, this.consumed, this.firstRead, 0, left);
            replaceBuffer(this.firstRead);
        }
        else if (this.consumed > 0 && left > 0) {
            System.arraycopy(this.buf, this.consumed, this.buf, 0, left);
        }
        this.filled = left;
        this.consumed = 0;
    }

    /**
     * Before a read that may block: a grown buffer more than twice what it holds (a partial frame
     * left after a burst) shrinks to twice that, unless more bytes have already arrived, so that
     * a client that stops in the middle of a frame holds only about what it sent of it.
     */
    private void shrinkBeforeWaiting(InputStream in) throws IOException {
        if (this.buf != this.firstRead && this.buf.length > 2 * this.filled && in.available() == 0) {
            int size = Math.max(2 * this.filled, this.firstRead.length + 1);
            if (this.memory.tryTake(size)) {
                byte[] smaller = new byte[size];
                System.arraycopy(this.buf, 0, smaller, 0, this.filled);
                replaceBuffer(smaller);
            }
        }
    }

    /** The complete frames in {@code buf[0, filled)}, or null when there is none yet. */
    private SendBatch parse(InputStream in) throws IOException {
        byte[] b = this.buf;
        int filled = this.filled;
        int pos = 0;
        int frames = 0;
        boolean oneFrame = this.nextFrameLimit >= 0;
        long limit = oneFrame ? this.nextFrameLimit : this.maxPayloadBytes;
        while (filled - pos >= Wire.SEND_HEADER_BYTES) {
            long length = Wire.getUnsignedInt(b, pos + 4);
            if (length > limit) {
                this.ended = true;
                return new SendBatch(b, pos, frames, Wire.getUnsignedInt(b, pos), 0);
            }
            long frameEnd = pos + Wire.SEND_HEADER_BYTES + length;
            if (frameEnd > filled) {
                break;
            }
            pos = (int) frameEnd;
            frames++;
            if (oneFrame) {
                this.nextFrameLimit = -1;
                break;
            }
        }
        if (frames > 0) {
            this.consumed = pos;
            return new SendBatch(b, pos, frames, -1, 0);
        }
        // buf[0, filled) is the start of one frame.
        if (filled >= Wire.SEND_HEADER_BYTES) {
            long frameSize = Wire.SEND_HEADER_BYTES + Wire.getUnsignedInt(b, 4);
            if (frameSize > this.readLimit) {
                startDetached(in, (int) frameSize);
            }
        }
        return null;
    }

    /** One blocking read into the buffer, which holds the start of a frame (perhaps nothing yet). */
    private void readMore(InputStream in) throws IOException {
        if (this.filled == this.buf.length) {
            // An incomplete frame fills the buffer: grow it as the frame's bytes arrive.
            grow(in, true);
        }
        else {
            shrinkBeforeWaiting(in);
        }
        waiting();
        int n = in.read(this.buf, this.filled, this.buf.length - this.filled);
        if (n < 0) {
            throw new EOFException((this.filled == 0) ? "end of stream between frames" : "end of stream inside a frame");
        }
        this.filled += n;
        arrived();
        if (this.filled == this.buf.length && this.buf.length < this.readLimit && grow(in, false)) {
            // The read filled the buffer: take the rest of the burst in one more read. The end of
            // the stream, if it came, is seen by the next call, after these frames are routed.
            n = in.read(this.buf, this.filled, this.buf.length - this.filled);
            if (n > 0) {
                this.filled += n;
            }
        }
    }

    /**
     * Grows the full buffer to hold what has arrived, up to the read limit.
     * @param required whether a frame needs it (then it at least doubles, and may wait for
     *        memory); otherwise it is for a burst, and grows only if memory is free at once
     * @return whether it grew
     */
    private boolean grow(InputStream in, boolean required) throws IOException {
        int available = Math.max(0, in.available());
        long target = Math.max((long) this.filled + available, required ? 2L * this.buf.length : 0);
        int capacity = (int) Math.min(target, this.readLimit);
        if (capacity <= this.buf.length) {
            return false;
        }
        if (required) {
            this.memory.take(capacity);
        }
        else if (!this.memory.tryTake(capacity)) {
            return false;
        }
        byte[] bigger = new byte[capacity];
        System.arraycopy(this.buf, 0, bigger, 0, this.filled);
        replaceBuffer(bigger);
        return true;
    }

    /** Makes {@code next} the buffer, whose memory (unless it is the first-read buffer) was taken. */
    private void replaceBuffer(byte[] next) {
        if (this.buf != this.firstRead) {
            this.memory.give(this.buf.length);
        }
        this.buf = next;
        this.held = heldNow();
    }

    /**
     * Moves the frame begun in {@code buf[0, filled)} to an array of its own, as large as what
     * has arrived of it (at least twice what the buffer holds, and no less than a first read).
     */
    private void startDetached(InputStream in, int frameSize) throws IOException {
        long arrived = (long) this.filled + Math.max(0, in.available());
        int capacity = (int) Math.min(frameSize, Math.max(Math.max(arrived, 2L * this.filled), FIRST_READ_BYTES));
        this.memory.take(capacity);
        byte[] array = new byte[capacity];
        System.arraycopy(this.buf, 0, array, 0, this.filled);
        this.detached = array;
        this.detachedFilled = this.filled;
        this.detachedSize = frameSize;
        this.filled = 0;
        if (this.buf != this.firstRead) {
            replaceBuffer(this.firstRead);
        }
        this.held = heldNow();
    }

    /** One blocking read of a detached frame, never past its end; the batch once it is complete. */
    private SendBatch readDetached(InputStream in) throws IOException {
        byte[] array = this.detached;
        if (this.detachedFilled == array.length) {
            int available = Math.max(0, in.available());
            long target = Math.max((long) this.detachedFilled + available, 2L * array.length);
            int capacity = (int) Math.min(target, this.detachedSize);
            this.memory.take(capacity);
            byte[] bigger = new byte[capacity];
            System.arraycopy(array, 0, bigger, 0, this.detachedFilled);
            this.memory.give(array.length);
            this.detached = array = bigger;
            this.held = heldNow();
        }
        waiting();
        int n = in.read(array, this.detachedFilled, array.length - this.detachedFilled);
        if (n < 0) {
            throw new EOFException("end of stream inside a frame");
        }
        this.detachedFilled += n;
        arrived();
        if (this.detachedFilled < this.detachedSize) {
            return null;
        }
        // The array is exactly the frame now; its memory goes with the batch.
        this.detached = null;
        this.held = heldNow();
        return new SendBatch(array, this.detachedSize, 1, -1, array.length);
    }

    private long heldNow() {
        return ((this.buf != this.firstRead) ? this.buf.length : 0) + ((this.detached != null) ? this.detached.length : 0);
    }

    /** About to block for bytes of a frame: from now on it may count as stalled, if it holds memory. */
    private void waiting() {
        if (this.stalledSinceNanos == 0 && this.held > 0) {
            this.stalledSinceNanos = System.nanoTime();
        }
    }

    private void arrived() {
        if (this.stalledSinceNanos != 0) {
            this.stalledSinceNanos = System.nanoTime();
        }
    }
}
