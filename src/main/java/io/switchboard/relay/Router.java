package io.switchboard.relay;

import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.Wire;

/**
 * Routes the SEND frames of each read, on the sender's own reader thread, into their
 * destinations' queues: one lookup and one copy per frame, no thread hop, and a wait only
 * where the protocol wants one (policy {@code pause}), which holds up only this sender.
 * Every frame ends queued, or in one ERROR to its sender.
 */
public final class Router implements MessageHandler {

    private static final Log logger = LogFactory.getLog(Router.class);

    private final ClientRegistry registry;
    private final RelayMetrics metrics;
    private final long pauseNanos;
    private final long closeWaitNanos;
    private final @Nullable RemoteDestinations remote;

    Router(ClientRegistry registry, RelayProperties properties, RelayMetrics metrics) {
        this(registry, properties, metrics, null);
    }

    Router(ClientRegistry registry, RelayProperties properties, RelayMetrics metrics,
            @Nullable RemoteDestinations remote) {
        this.registry = registry;
        this.remote = remote;
        this.metrics = metrics;
        this.pauseNanos = (properties.overflowPolicy() == OverflowPolicy.PAUSE) ? Long.MAX_VALUE : 0;
        this.closeWaitNanos = properties.slowConsumerTimeout().toNanos() * 2;
    }

    @Override
    public void handleMessage(Message<?> message) {
        InboundFrames inbound = (InboundFrames) message.getPayload();
        ClientSession sender = inbound.sender();
        SendBatch batch = inbound.batch();
        byte[] bytes = batch.bytes();
        int end = batch.end();
        long seq = sender.lastSeq();
        for (int p = 0; p < end; ) {
            int dest = Wire.getInt(bytes, p);
            ClientSession target = sender.cachedTarget(dest);
            if (target == null && dest != Wire.OPERATOR_ID) {
                target = this.registry.get(dest);
                sender.cacheTarget(target);
            }
            if (target != null) {
                // The frames of a burst to one destination go into its queue under one lock.
                long run = target.queue().offerRun(sender.id(), bytes, p, end, sender, seq + 1, this.pauseNanos);
                seq += OutboundQueue.Run.taken(run);
                p = OutboundQueue.Run.position(run);
                OfferResult stoppedAt = OutboundQueue.Run.result(run);
                if (stoppedAt != OfferResult.QUEUED) {
                    reportUndelivered(sender, stoppedAt, dest, ++seq);
                    p += Wire.SEND_HEADER_BYTES + Wire.getInt(bytes, p + 4);
                }
            }
            else {
                int length = Wire.getInt(bytes, p + 4);
                routeElsewhere(sender, dest, bytes, p + Wire.SEND_HEADER_BYTES, length, ++seq);
                p += Wire.SEND_HEADER_BYTES + length;
            }
        }
        sender.lastSeq(seq);
        long payloadBytes = end - (long) batch.frames() * Wire.SEND_HEADER_BYTES;
        sender.countIn(batch.frames(), payloadBytes);
        this.metrics.received(batch.frames(), payloadBytes);
        if (batch.hasOversizedFrame()) {
            rejectOversized(sender, (int) batch.oversizedDest());
        }
    }

    /** A destination not connected here: another node's, or nobody's. */
    private void routeElsewhere(ClientSession sender, int dest, byte[] bytes, int offset, int length, long seq) {
        OfferResult result = (dest != Wire.OPERATOR_ID && this.remote != null)
                ? this.remote.offer(dest, sender.id(), bytes, offset, length, sender, seq, this.pauseNanos)
                : OfferResult.CLOSED;
        if (result != OfferResult.QUEUED) {
            reportUndelivered(sender, result, dest, seq);
        }
    }

    private void reportUndelivered(ClientSession sender, OfferResult result, int dest, long seq) {
        switch (result) {
            case QUEUED -> { }
            case BUSY -> error(sender, ErrorCode.DESTINATION_BUSY, dest, seq);
            case GONE -> error(sender, ErrorCode.DESTINATION_GONE, dest, seq);
            case CLOSED -> error(sender, ErrorCode.UNKNOWN_DESTINATION, dest, seq);
        }
    }

    private void error(ClientSession sender, ErrorCode code, int dest, long seq) {
        sender.queue().offerError(code, dest, seq, true);
        this.metrics.error(code);
    }

    /**
     * FRAME_TOO_LARGE: the ERROR goes out after what is already queued, then the connection
     * closes. This reader waits for that, so that the unread payload is never taken for frames.
     */
    private void rejectOversized(ClientSession sender, int dest) {
        error(sender, ErrorCode.FRAME_TOO_LARGE, dest, sender.nextSeq());
        sender.queue().drainAndClose();
        try {
            if (!sender.awaitClosed(this.closeWaitNanos, TimeUnit.NANOSECONDS)) {
                sender.disconnect();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            sender.disconnect();
        }
        logger.debug("Closed " + sender + " after a frame over max-payload-bytes");
    }

    /**
     * Offers a message from someone other than a local client (the operator, or a client of
     * another node) to {@code dest} on this node; never routes it on to another node.
     * @param payload the message is {@code payload[offset, offset + length)}, copied before this returns
     * @param seq handed back to {@code origin} with the outcome
     * @param waitNanos how long to wait for room: 0 not at all
     * @return what became of it; when QUEUED, {@code origin} learns the outcome later
     */
    public OfferResult offer(int dest, int src, byte[] payload, int offset, int length, MessageOrigin origin, long seq,
            long waitNanos) {
        ClientSession target = this.registry.get(dest);
        if (target == null) {
            return OfferResult.CLOSED;
        }
        return target.queue().offer(src, payload, offset, length, origin, seq, waitNanos);
    }

    /**
     * Offers a message from someone other than a client to every client connected now whose
     * queue has room, without waiting for room.
     * @return how many queues took it; {@code origin} learns the outcome of each of those later
     */
    public int broadcast(int src, byte[] payload, MessageOrigin origin) {
        int queued = 0;
        for (ClientSession target : this.registry.all()) {
            if (target.queue().offer(src, payload, 0, payload.length, origin, 0, 0) == OfferResult.QUEUED) {
                queued++;
            }
        }
        return queued;
    }
}
