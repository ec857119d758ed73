package io.switchboard.relay;

/** How a node picks a new client's ID within its range ({@code switchboard.ids}, PROTOCOL.md section 6). */
public enum IdStrategy {
    /** The next free ID after the last one given, wrapping at the end of the range. */
    SEQUENTIAL,
    /** Uniformly at random among the free IDs of the range, so that an ID says nothing about the others. */
    RANDOM
}
