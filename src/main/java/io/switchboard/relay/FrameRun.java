package io.switchboard.relay;

/**
 * How far an offer of a run of SEND frames got: how many frames it took and where it stopped,
 * packed in a long so that the per-frame path allocates nothing: the position in bits 0-31, the
 * count in bits 32-55. The top byte is the offerer's own and ignored here ({@code OutboundQueue}
 * keeps there its answer to the frame it stopped at).
 */
public final class FrameRun {

    private FrameRun() {
    }

    /** @param position the offset in the frames' array of the first frame not taken */
    public static long of(int position, int taken) {
        return ((long) taken << 32) | (position & 0xFFFF_FFFFL);
    }

    public static int position(long run) {
        return (int) run;
    }

    public static int taken(long run) {
        return (int) ((run >>> 32) & 0xFF_FFFF);
    }
}
