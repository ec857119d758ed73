package io.switchboard.relay;

import io.switchboard.protocol.Wire;

/**
 * One client's rate limits, {@code switchboard.limits.messages-per-second} and
 * {@code bytes-per-second} (PROTOCOL.md section 9): token buckets that fill at the rate, hold a
 * burst of one second's worth (for bytes, at least one max-size message), and are spent by the
 * SENDs the reader routes. When a bucket cannot pay for the next frame, the reader waits until
 * it can, and so reads no faster than the rate allows: TCP holds the client back, nothing is
 * refused. Used by the client's reader only.
 */
final class SendRate {

    private static final double NANOS_PER_SECOND = 1_000_000_000.0;

    private final long messagesPerSecond;
    private final long bytesPerSecond;
    private final double messageBurst;
    private final double byteBurst;
    private double messages;
    private double bytes;
    private long lastNanos;

    /** @param messagesPerSecond 0 for no limit; likewise {@code bytesPerSecond} */
    SendRate(long messagesPerSecond, long bytesPerSecond, long maxPayloadBytes) {
        this.messagesPerSecond = messagesPerSecond;
        this.bytesPerSecond = bytesPerSecond;
        this.messageBurst = messagesPerSecond;
        this.byteBurst = Math.max(bytesPerSecond, maxPayloadBytes);
        this.messages = this.messageBurst;
        this.bytes = this.byteBurst;
        this.lastNanos = System.nanoTime();
    }

    /**
     * How far the reader may route now: the end of the longest run of whole frames from
     * {@code from} that the buckets can pay for, which it pays.
     * @return an index after {@code from} (at least one frame) and at most {@code end}; or
     *         {@code from} when not even one frame can be paid now, see {@link #waitNanos}
     */
    int admit(byte[] frames, int from, int end) {
        refill();
        boolean countMessages = this.messagesPerSecond > 0;
        boolean countBytes = this.bytesPerSecond > 0;
        double messages = this.messages;
        double bytes = this.bytes;
        int p = from;
        while (p < end) {
            int length = Wire.getInt(frames, p + 4);
            if ((countMessages && messages < 1) || (countBytes && bytes < length)) {
                break;
            }
            messages -= 1;
            bytes -= length;
            p += Wire.SEND_HEADER_BYTES + length;
        }
        this.messages = messages;
        this.bytes = bytes;
        return p;
    }

    /**
     * Pays for a whole batch at once when the buckets hold enough for it, which is the common
     * case of a client under its rate: no walk over its frames.
     * @return whether it was paid; if not, nothing was, and {@link #admit} goes frame by frame
     */
    boolean admitAll(int frames, long payloadBytes) {
        refill();
        if ((this.messagesPerSecond > 0 && this.messages < frames)
                || (this.bytesPerSecond > 0 && this.bytes < payloadBytes)) {
            return false;
        }
        this.messages -= frames;
        this.bytes -= payloadBytes;
        return true;
    }

    /** How long until the buckets can pay for a frame of {@code payloadLength} bytes. */
    long waitNanos(int payloadLength) {
        refill();
        double seconds = 0;
        if (this.messagesPerSecond > 0 && this.messages < 1) {
            seconds = Math.max(seconds, (1 - this.messages) / this.messagesPerSecond);
        }
        if (this.bytesPerSecond > 0 && this.bytes < payloadLength) {
            seconds = Math.max(seconds, (payloadLength - this.bytes) / this.bytesPerSecond);
        }
        return Math.max(1, (long) Math.ceil(seconds * NANOS_PER_SECOND));
    }

    private void refill() {
        long now = System.nanoTime();
        double elapsed = (now - this.lastNanos) / NANOS_PER_SECOND;
        this.lastNanos = now;
        if (this.messagesPerSecond > 0) {
            this.messages = Math.min(this.messageBurst, this.messages + elapsed * this.messagesPerSecond);
        }
        if (this.bytesPerSecond > 0) {
            this.bytes = Math.min(this.byteBurst, this.bytes + elapsed * this.bytesPerSecond);
        }
    }
}
