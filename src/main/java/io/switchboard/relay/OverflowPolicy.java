package io.switchboard.relay;

/** What a SEND does when its destination's queue has no room (PROTOCOL.md section 5). */
public enum OverflowPolicy {
    /** Stop reading from the sender until the destination has room. */
    PAUSE,
    /** Answer DESTINATION_BUSY and read on. */
    REJECT
}
