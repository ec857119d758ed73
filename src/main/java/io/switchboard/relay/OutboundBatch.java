package io.switchboard.relay;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;

/**
 * Frames queued for one client, coalesced into one array so that the writer sends them in
 * one write, with the origin and seq of each message among them so that each gets its outcome.
 * Owned by {@link OutboundQueue}, which swaps two of these between the senders and the writer.
 */
final class OutboundBatch {

    /** Past this, a buffer is dropped after use rather than kept by an idle client. */
    private static final int RETAINED_CAPACITY = 64 * 1024;
    static final int INITIAL_CAPACITY = 256;
    private static final int INITIAL_MESSAGES = 8;

    byte[] bytes = new byte[INITIAL_CAPACITY];
    int size;
    MessageOrigin[] origins = new MessageOrigin[INITIAL_MESSAGES];
    long[] seqs = new long[INITIAL_MESSAGES];
    /** Where each message's DELIVER frame starts in {@link #bytes}. */
    int[] starts = new int[INITIAL_MESSAGES];
    int messages;
    long payloadBytes;
    long overheadBytes;
    /** A view of {@link #bytes} for the socket, kept so that a write allocates nothing. */
    private @Nullable ByteBuffer view;

    boolean isEmpty() {
        return this.size == 0;
    }

    /** The queued frames, as a buffer positioned at 0 with its limit at {@link #size}. */
    ByteBuffer frames() {
        ByteBuffer buffer = this.view;
        if (buffer == null || buffer.array() != this.bytes) {
            buffer = ByteBuffer.wrap(this.bytes);
            this.view = buffer;
        }
        return buffer.clear().limit(this.size);
    }

    /** Makes room for {@code n} more bytes and returns the offset to write them at. */
    int reserve(int n) {
        int at = this.size;
        int needed = at + n;
        if (needed > this.bytes.length) {
            this.bytes = Arrays.copyOf(this.bytes, Math.max(needed, Math.min(this.bytes.length * 2, Integer.MAX_VALUE - 8)));
        }
        this.size = needed;
        return at;
    }

    void addMessage(MessageOrigin origin, long seq, int start, int payloadLength, int overhead) {
        if (this.messages == this.origins.length) {
            this.origins = Arrays.copyOf(this.origins, this.messages * 2);
            this.seqs = Arrays.copyOf(this.seqs, this.messages * 2);
            this.starts = Arrays.copyOf(this.starts, this.messages * 2);
        }
        this.origins[this.messages] = origin;
        this.seqs[this.messages] = seq;
        this.starts[this.messages] = start;
        this.messages++;
        this.payloadBytes += payloadLength;
        this.overheadBytes += overhead;
    }

    /** How many messages have their whole frame in the first {@code bytes} bytes: the first ones, as frames are in order. */
    int messagesWithin(int bytes) {
        int n = 0;
        while (n < this.messages && this.starts[n] + Wire.DELIVER_HEADER_BYTES + payloadLength(n) <= bytes) {
            n++;
        }
        return n;
    }

    /** The payload bytes of the first {@code count} messages. */
    long payloadBytesOf(int count) {
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += payloadLength(i);
        }
        return total;
    }

    private int payloadLength(int message) {
        return Wire.getInt(this.bytes, this.starts[message] + 5);
    }

    /**
     * Gives back the arrays grown past their initial size; for an empty batch only.
     * @return whether any was given back
     */
    boolean trim() {
        boolean trimmed = false;
        if (this.bytes.length > INITIAL_CAPACITY) {
            this.bytes = new byte[INITIAL_CAPACITY];
            this.view = null;
            trimmed = true;
        }
        if (this.origins.length > INITIAL_MESSAGES) {
            this.origins = new MessageOrigin[INITIAL_MESSAGES];
            this.seqs = new long[INITIAL_MESSAGES];
            this.starts = new int[INITIAL_MESSAGES];
            trimmed = true;
        }
        return trimmed;
    }

    void reset() {
        if (this.bytes.length > RETAINED_CAPACITY) {
            this.bytes = new byte[INITIAL_CAPACITY];
            this.view = null;
        }
        if (this.origins.length > RETAINED_CAPACITY / 8) {
            this.origins = new MessageOrigin[INITIAL_MESSAGES];
            this.seqs = new long[INITIAL_MESSAGES];
            this.starts = new int[INITIAL_MESSAGES];
        }
        else {
            Arrays.fill(this.origins, 0, this.messages, null);
        }
        this.size = 0;
        this.messages = 0;
        this.payloadBytes = 0;
        this.overheadBytes = 0;
    }
}
