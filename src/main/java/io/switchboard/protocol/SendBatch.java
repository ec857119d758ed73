package io.switchboard.protocol;

/**
 * The complete SEND frames of one read, in the order they were written, held in one array
 * that the frames' payloads are never copied out of.
 *
 * @param bytes the frames, from index 0
 * @param end the index after the last complete frame
 * @param frames how many complete frames {@code bytes[0, end)} holds
 * @param oversizedDest when non-negative, the frame after the last complete one declared a
 *        length over the limit: this is its {@code dest} (as an unsigned value), and its payload
 *        was not read
 */
public record SendBatch(byte[] bytes, int end, int frames, long oversizedDest) {

    /** Visits one SEND frame of a batch. */
    @FunctionalInterface
    public interface FrameVisitor {
        void frame(int dest, byte[] bytes, int payloadOffset, int payloadLength);
    }

    public boolean hasOversizedFrame() {
        return this.oversizedDest >= 0;
    }

    /** Calls {@code visitor} for each complete frame, in order. */
    public void forEach(FrameVisitor visitor) {
        byte[] b = this.bytes;
        int p = 0;
        while (p < this.end) {
            int dest = Wire.getInt(b, p);
            int length = Wire.getInt(b, p + 4);
            visitor.frame(dest, b, p + Wire.SEND_HEADER_BYTES, length);
            p += Wire.SEND_HEADER_BYTES + length;
        }
    }
}
