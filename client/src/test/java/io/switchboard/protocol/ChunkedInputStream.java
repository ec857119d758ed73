package io.switchboard.protocol;

import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * A stream that hands out its bytes in given chunks, as a socket hands out what has arrived:
 * a read returns at most the rest of the current chunk, and {@link #available()} counts only
 * that. A chunk marked poisoned fails any read of it, to show that a reader never asked for it.
 */
public final class ChunkedInputStream extends InputStream {

    private final Deque<byte[]> chunks = new ArrayDeque<>();
    private final Deque<Boolean> poisoned = new ArrayDeque<>();
    private byte[] current = new byte[0];
    private int pos;

    public ChunkedInputStream add(byte[] chunk) {
        this.chunks.add(chunk);
        this.poisoned.add(false);
        return this;
    }

    /** A chunk that must never be read. */
    public ChunkedInputStream poison(byte[] chunk) {
        this.chunks.add(chunk);
        this.poisoned.add(true);
        return this;
    }

    /** The bytes cut at the given offsets, in order. */
    public static ChunkedInputStream split(byte[] bytes, int... cuts) {
        ChunkedInputStream in = new ChunkedInputStream();
        int from = 0;
        for (int cut : cuts) {
            in.add(Arrays.copyOfRange(bytes, from, cut));
            from = cut;
        }
        return in.add(Arrays.copyOfRange(bytes, from, bytes.length));
    }

    public static ChunkedInputStream oneByteAtATime(byte[] bytes) {
        ChunkedInputStream in = new ChunkedInputStream();
        for (byte b : bytes) {
            in.add(new byte[] { b });
        }
        return in;
    }

    private boolean advance() {
        while (this.pos == this.current.length) {
            if (this.chunks.isEmpty()) {
                return false;
            }
            this.current = this.chunks.poll();
            this.pos = 0;
            if (this.poisoned.poll()) {
                throw new AssertionError("read a chunk that must not be read");
            }
        }
        return true;
    }

    @Override
    public int read() {
        return advance() ? this.current[this.pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (!advance()) {
            return -1;
        }
        int n = Math.min(len, this.current.length - this.pos);
        System.arraycopy(this.current, this.pos, b, off, n);
        this.pos += n;
        return n;
    }

    @Override
    public int available() {
        return this.current.length - this.pos;
    }
}
