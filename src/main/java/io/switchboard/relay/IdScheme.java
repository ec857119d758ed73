package io.switchboard.relay;

import java.util.random.RandomGenerator;

import io.switchboard.protocol.Wire;

/**
 * Where a node's new client IDs come from (PROTOCOL.md sections 6 and 8): the range it assigns
 * from, and how it picks in it. Without connect tokens the range is every ID; in token mode the
 * server assigns from 2147483648 up, so that the IDs it assigns never meet the stable IDs that
 * tokens name ({@code sid}, 1 to 2147483647).
 *
 * @param min the first ID of the range
 * @param max the last ID of the range
 */
public record IdScheme(long min, long max, IdStrategy strategy) {

    public IdScheme {
        if (min < 1 || max > Wire.MAX_ID || min > max) {
            throw new IllegalArgumentException("not a range of client IDs: " + min + ".." + max);
        }
    }

    /** The scheme of a node: every ID, or the assigned range in token mode. */
    public static IdScheme of(IdStrategy strategy, boolean tokenMode) {
        return new IdScheme(tokenMode ? Wire.MAX_STABLE_ID + 1 : 1, Wire.MAX_ID, strategy);
    }

    /** How many IDs the range holds. */
    public long size() {
        return this.max - this.min + 1;
    }

    /** One ID drawn uniformly from the range. */
    public int pick(RandomGenerator random) {
        return (int) (this.min + random.nextLong(size()));
    }

    /** Whether {@code id} (an unsigned value) is in the range. */
    public boolean contains(long id) {
        return id >= this.min && id <= this.max;
    }
}
