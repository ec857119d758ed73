package io.switchboard.relay;

import java.util.Arrays;

/**
 * Whom a client may send to, from its token's {@code send} claim (PROTOCOL.md section 8): a
 * sorted array searched per SEND, with the last destination allowed remembered, since a client
 * mostly writes to one peer at a time. So the check costs a comparison per SEND in the common
 * case, and a binary search otherwise. Used by the client's reader only.
 */
final class SendPermission {

    private final int[] allowed;
    /** The last destination found allowed; only the reader touches it. */
    private int lastAllowed;
    private boolean hasLast;

    /** @param allowed IDs ascending (as signed ints: any consistent order serves a search), no repeats */
    SendPermission(int[] allowed) {
        this.allowed = allowed.clone();
        Arrays.sort(this.allowed);
    }

    boolean allows(int dest) {
        if (this.hasLast && dest == this.lastAllowed) {
            return true;
        }
        if (Arrays.binarySearch(this.allowed, dest) >= 0) {
            this.lastAllowed = dest;
            this.hasLast = true;
            return true;
        }
        return false;
    }
}
