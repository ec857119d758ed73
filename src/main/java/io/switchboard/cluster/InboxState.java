package io.switchboard.cluster;

/**
 * Whether this node reads its inbox: {@link Inbox}'s reader thread writes it after each read
 * from Redis, health and {@link LocalNode} read it. An object of its own, made before both,
 * because the inbox's handler needs {@link LocalNode}: were it the inbox's, LocalNode and the
 * inbox would each need the other.
 */
final class InboxState {

    private volatile boolean reading;

    /** Whether the last read from Redis succeeded. */
    boolean isReading() {
        return this.reading;
    }

    void reading(boolean reading) {
        this.reading = reading;
    }
}
