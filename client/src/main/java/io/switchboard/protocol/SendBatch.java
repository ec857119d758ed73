package io.switchboard.protocol;

/**
 * The SEND frames that one connection's reader has read in full, in the order they were
 * written, held in one array that the frames' payloads are never copied out of.
 *
 * @param bytes the frames, from index 0
 * @param end the index after the last complete frame
 * @param frames how many complete frames {@code bytes[0, end)} holds
 * @param oversizedDest when non-negative, the frame after the last complete one declared a
 *        length over the limit: this is its {@code dest} (as an unsigned value), and its payload
 *        was not read
 * @param detachedMemory when positive, {@code bytes} is this batch's own array, holding exactly
 *        one frame, and this much of the reader's {@link FrameMemory} was taken for it: whoever
 *        keeps the array after routing takes that memory over, otherwise it must be given back.
 *        When 0, {@code bytes} belongs to the reader, which reuses it once the batch is routed
 */
public record SendBatch(byte[] bytes, int end, int frames, long oversizedDest, long detachedMemory) {

    /** Visits one SEND frame of a batch. */
    @FunctionalInterface
    public interface FrameVisitor {
        void frame(int dest, byte[] bytes, int payloadOffset, int payloadLength);
    }

    public boolean hasOversizedFrame() {
        return this.oversizedDest >= 0;
    }

    /** Whether {@code bytes} is this batch's own array, with one frame (see {@link #detachedMemory}). */
    public boolean isDetached() {
        return this.detachedMemory > 0;
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
