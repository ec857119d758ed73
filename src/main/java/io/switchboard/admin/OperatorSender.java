package io.switchboard.admin;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.switchboard.relay.OfferResult;
import io.switchboard.relay.OverflowPolicy;

/**
 * Sends messages on the operator's behalf, as DELIVERs with {@code src} 0, and waits for their
 * real outcome: written, gone, refused for want of room, or not written within send-timeout.
 * Under policy {@code pause} the wait for room counts against the same timeout. In cluster
 * mode the client may be on any node; the outcome comes back from there.
 */
final class OperatorSender {

    private final Clients clients;
    private final boolean waitForRoom;
    private final long timeoutNanos;

    OperatorSender(Clients clients, OverflowPolicy policy, Duration timeout) {
        this.clients = clients;
        this.waitForRoom = policy == OverflowPolicy.PAUSE;
        this.timeoutNanos = timeout.toNanos();
    }

    SendOutcome send(int dest, byte[] payload) throws InterruptedException {
        long deadline = System.nanoTime() + this.timeoutNanos;
        if (!this.clients.isConnected(dest)) {
            return SendOutcome.NOT_CONNECTED;
        }
        PendingDelivery pending = new PendingDelivery();
        long waitNanos = this.waitForRoom ? this.timeoutNanos : 0;
        OfferResult result = this.clients.offer(dest, payload, pending, waitNanos);
        return switch (result) {
            case QUEUED -> await(pending, deadline);
            // Under pause, it waited for room as long as the operator was promised.
            case BUSY -> this.waitForRoom ? SendOutcome.TIMED_OUT : SendOutcome.of(result.error());
            // It was connected a moment ago, so CLOSED is a disconnect too.
            case GONE, CLOSED -> SendOutcome.GONE;
        };
    }

    private static SendOutcome await(PendingDelivery pending, long deadline) throws InterruptedException {
        try {
            return pending.outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            // Still queued: it may yet be written, but not within the time the operator was promised.
            return SendOutcome.TIMED_OUT;
        }
        catch (ExecutionException ex) {
            throw new IllegalStateException("a delivery outcome is never exceptional", ex);
        }
    }

    /** Sends to every client whose queue has room now, without waiting for room or outcomes. */
    Recipients broadcast(byte[] payload) {
        return this.clients.broadcast(payload);
    }
}
