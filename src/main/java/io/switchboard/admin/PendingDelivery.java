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
        this.outcome.complete(SendOutcome.of(code));
    }
}
