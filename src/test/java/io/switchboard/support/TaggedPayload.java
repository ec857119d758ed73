package io.switchboard.support;

import io.switchboard.protocol.Wire;

/**
 * A payload that names its sender and seq and whose other bytes follow from them, so that a
 * receiver can tell which SEND a DELIVER carries and that it arrived byte for byte.
 */
public final class TaggedPayload {

    /** The sender's ID and the seq. */
    public static final int MIN_BYTES = 12;

    private TaggedPayload() {
    }

    public static byte[] of(int sender, long seq, int size) {
        if (size < MIN_BYTES) {
            throw new IllegalArgumentException("a tagged payload has at least " + MIN_BYTES + " bytes");
        }
        byte[] payload = new byte[size];
        Wire.putInt(payload, 0, sender);
        Wire.putLong(payload, 4, seq);
        for (int i = MIN_BYTES; i < size; i++) {
            payload[i] = filler(seq, i);
        }
        return payload;
    }

    public static int sender(byte[] payload) {
        return Wire.getInt(payload, 0);
    }

    public static long seq(byte[] payload) {
        return Wire.getLong(payload, 4);
    }

    /** Whether the bytes after the tag are the ones {@link #of} wrote. */
    public static boolean isIntact(byte[] payload) {
        if (payload.length < MIN_BYTES) {
            return false;
        }
        long seq = seq(payload);
        for (int i = MIN_BYTES; i < payload.length; i++) {
            if (payload[i] != filler(seq, i)) {
                return false;
            }
        }
        return true;
    }

    private static byte filler(long seq, int i) {
        return (byte) (seq * 31 + i * 7);
    }
}
