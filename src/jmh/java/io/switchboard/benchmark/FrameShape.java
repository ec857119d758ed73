package io.switchboard.benchmark;

/**
 * What one benchmark operation handles: {@code frames} frames of {@code payloadBytes} each,
 * written {@code "<frames>x<payloadBytes>"} in a {@code shape} parameter, so that the per-frame
 * figures are a division away.
 */
public record FrameShape(int frames, int payloadBytes) {

    public static FrameShape parse(String shape) {
        int x = shape.indexOf('x');
        if (x <= 0) {
            throw new IllegalArgumentException("shape is <frames>x<payloadBytes>: " + shape);
        }
        return new FrameShape(Integer.parseInt(shape.substring(0, x)), Integer.parseInt(shape.substring(x + 1)));
    }
}
