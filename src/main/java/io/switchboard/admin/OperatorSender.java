package io.switchboard.admin;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OverflowPolicy;
import io.switchboard.relay.Router;

/**
 * Sends messages on the operator's behalf, as DELIVERs with {@code src} 0, and waits for their
 * real outcome: written, gone, refused for want of room, or not written within send-timeout.
 * Under policy {@code pause} the wait for room counts against the same timeout.
 */
final class OperatorSender {

    /** Broadcasts do not wait for outcomes. */
    private static final MessageOrigin UNWATCHED = new MessageOrigin() {
        @Override
        public void delivered(int dest, long seq) {
        }

        @Override
        public void failed(ErrorCode code, int dest, long seq) {
        }
    };

    private final ClientRegistry registry;
    private final Router router;
    private final boolean waitForRoom;
    private final long timeoutNanos;

    OperatorSender(ClientRegistry registry, Router router, OverflowPolicy policy, Duration timeout) {
        this.registry = registry;
        this.router = router;
        this.waitForRoom = policy == OverflowPolicy.PAUSE;
        this.timeoutNanos = timeout.toNanos();
    }

    SendOutcome send(int dest, byte[] payload) throws InterruptedException {
        long deadline = System.nanoTime() + this.timeoutNanos;
        if (this.registry.get(dest) == null) {
            return SendOutcome.NOT_CONNECTED;
        }
        PendingDelivery pending = new PendingDelivery();
        long waitNanos = this.waitForRoom ? this.timeoutNanos : 0;
        return switch (this.router.offer(dest, Wire.OPERATOR_ID, payload, pending, waitNanos)) {
            case QUEUED -> await(pending, deadline);
            case BUSY -> this.waitForRoom ? SendOutcome.TIMED_OUT : SendOutcome.QUEUE_FULL;
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

    /** @return how many clients' queues took the message */
    int broadcast(byte[] payload) {
        return this.router.broadcast(Wire.OPERATOR_ID, payload, UNWATCHED);
    }
}
