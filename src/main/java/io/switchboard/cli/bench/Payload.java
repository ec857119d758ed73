package io.switchboard.cli.bench;

import java.util.Arrays;

import io.switchboard.protocol.Wire;

/**
 * The layout of a bench message, {@code size} bytes:
 * <pre>
 * | send time: u64 ns (System.nanoTime of this process) | sender index: u32 | seq: u32 | pattern |
 * </pre>
 * The pattern is a fixed sequence of bytes, starting at a point that depends on sender and
 * seq: a receiver checks every byte of it with one vectorised compare, and a byte moved, lost
 * or changed anywhere in the message shows.
 */
final class Payload {

    static final int HEADER_BYTES = 16;

    /** A prime, so that neighbouring messages start the pattern at different points. */
    private static final int PERIOD = 251;

    private final int size;
    private final byte[] pattern;

    Payload(int size) {
        this.size = size;
        this.pattern = new byte[size - HEADER_BYTES + PERIOD];
        for (int i = 0; i < this.pattern.length; i++) {
            this.pattern[i] = (byte) ((i % PERIOD) * 37 + 11);
        }
    }

    int size() {
        return this.size;
    }

    private static int phase(int sender, int seq) {
        return (int) (Integer.toUnsignedLong(seq * 7 + sender * 13) % PERIOD);
    }

    /** Fills {@code b[0, size)} with the message {@code seq} of {@code sender}. */
    void write(byte[] b, long sendTime, int sender, int seq) {
        Wire.putLong(b, 0, sendTime);
        Wire.putInt(b, 8, sender);
        Wire.putInt(b, 12, seq);
        int from = phase(sender, seq);
        System.arraycopy(this.pattern, from, b, HEADER_BYTES, this.size - HEADER_BYTES);
    }

    static long sendTime(byte[] b, int off) {
        return Wire.getLong(b, off);
    }

    static int sender(byte[] b, int off) {
        return Wire.getInt(b, off + 8);
    }

    static int seq(byte[] b, int off) {
        return Wire.getInt(b, off + 12);
    }

    /** True when the pattern of {@code b[off, off + size)} is the one its sender and seq call for. */
    boolean patternIntact(byte[] b, int off, int sender, int seq) {
        int from = phase(sender, seq);
        return Arrays.equals(b, off + HEADER_BYTES, off + this.size, this.pattern, from, from + this.size - HEADER_BYTES);
    }
}
