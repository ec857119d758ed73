package io.switchboard.admin;

import java.util.concurrent.CompletableFuture;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.MessageOrigin;

/** The origin of one message from the operator: the relay's outcome completes the future the request waits on. */
final class PendingDelivery implements MessageOrigin {

    final CompletableFuture<SendOutcome> outcome = new CompletableFuture<>();

    @Override
    public void delivered(int dest, long seq) {
        this.outcome.complete(SendOutcome.DELIVERED);
    }

    @Override
    public void failed(ErrorCode code, int dest, long seq) {
        this.outcome.complete(switch (code) {
            // Only from another node (cluster mode): its queue was full under reject, or the
            // client had left that node before the message got there.
            case DESTINATION_BUSY -> SendOutcome.QUEUE_FULL;
            case UNKNOWN_DESTINATION -> SendOutcome.NOT_CONNECTED;
            // A queued message on this node fails only because its client went away.
            default -> SendOutcome.GONE;
        });
    }
}
