package io.switchboard.relay;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;

/**
 * Who an admitted client is: its stable ID if its token names one, its subject, and whom it may
 * send to (PROTOCOL.md section 8). Without connect tokens every client is {@link #ANONYMOUS}.
 *
 * @param stableId the token's {@code sid} (1 to 2147483647), or 0 when the server assigns the ID
 * @param subject the token's {@code sub}, else the TLS client certificate's subject, else null
 * @param sendTo the IDs it may send to, ascending, no repeats; null when it may send to any
 */
public record ClientIdentity(int stableId, @Nullable String subject, int @Nullable [] sendTo) {

    public static final ClientIdentity ANONYMOUS = new ClientIdentity(0, null, null);

    public ClientIdentity {
        if (stableId < 0) {
            throw new IllegalArgumentException("a stable ID is from 1 to " + Wire.MAX_STABLE_ID);
        }
        if (sendTo != null) {
            sendTo = Arrays.stream(sendTo).sorted().distinct().toArray();
        }
    }

    /** The same client, with the subject of its TLS client certificate unless its token names one. */
    public ClientIdentity withCertificateSubject(@Nullable String certificateSubject) {
        return (this.subject != null || certificateSubject == null) ? this
                : new ClientIdentity(this.stableId, certificateSubject, this.sendTo);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClientIdentity that && this.stableId == that.stableId
                && java.util.Objects.equals(this.subject, that.subject) && Arrays.equals(this.sendTo, that.sendTo);
    }

    @Override
    public int hashCode() {
        return 31 * Integer.hashCode(this.stableId) + java.util.Objects.hashCode(this.subject) + Arrays.hashCode(this.sendTo);
    }

    @Override
    public String toString() {
        return "ClientIdentity[sid=" + Integer.toUnsignedLong(this.stableId) + ", subject=" + this.subject + ", send="
                + ((this.sendTo == null) ? "any" : Arrays.toString(this.sendTo)) + "]";
    }
}
