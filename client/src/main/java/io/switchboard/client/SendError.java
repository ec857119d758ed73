package io.switchboard.client;

import io.switchboard.protocol.ErrorCode;

/**
 * One SEND of this client that was not delivered (an ERROR frame). The server answers every
 * SEND it read with exactly one outcome: a delivery, or one of these naming its {@code seq}.
 *
 * @param code why it was not delivered
 * @param dest the SEND's destination ID, from 0 to 4294967295
 * @param seq the SEND's number on this connection, as {@link SwitchboardClient#send} returned it
 */
public record SendError(ErrorCode code, long dest, long seq) implements Incoming {

    /** In words, such as {@code message 3 to 99 not delivered: unknown destination}. */
    public String describe() {
        return "message " + this.seq + " to " + this.dest + " not delivered: " + this.code.description();
    }
}
