package io.switchboard.relay;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.SendBatchReader;
import io.switchboard.protocol.Wire;

/**
 * Routes the SEND frames of each read, on the sender's own reader thread, into their
 * destinations' queues: one lookup and one copy per frame (none for a frame read detached),
 * no thread hop, and a wait only where the protocol wants one (policy {@code pause}), which
 * holds up only this sender. Every frame ends queued, or in one ERROR to its sender.
 *
 * <p>When the node's memory budget has no room for a destination's queue to grow, the router
 * first has {@link MemoryRelief} disconnect stalled clients; only when that frees nothing does
 * the frame meet the overflow policy, as if its destination's queue were full: under
 * {@code pause} the reader waits for memory, under {@code reject} the sender gets
 * DESTINATION_BUSY.
 */
public final class Router implements MessageHandler {

    private static final Log logger = LogFactory.getLog(Router.class);

    /** How long an offer that waits for memory sleeps between looks. */
    private static final long MEMORY_WAIT_MILLIS = 100;
    /** A throttled reader looks this often whether its connection is closing. */
    private static final long MAX_THROTTLE_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ClientRegistry registry;
    private final RelayMetrics metrics;
    private final MemoryBudget budget;
    private final MemoryRelief relief;
    private final long pauseNanos;
    private final @Nullable RemoteDestinations remote;

    Router(ClientRegistry registry, RelayProperties properties, RelayMetrics metrics, MemoryBudget budget,
            MemoryRelief relief, @Nullable RemoteDestinations remote) {
        this.registry = registry;
        this.remote = remote;
        this.metrics = metrics;
        this.budget = budget;
        this.relief = relief;
        this.pauseNanos = (properties.overflowPolicy() == OverflowPolicy.PAUSE) ? Long.MAX_VALUE : 0;
    }

    @Override
    public void handleMessage(Message<?> message) {
        InboundFrames inbound = (InboundFrames) message.getPayload();
        ClientSession sender = inbound.sender();
        SendBatch batch = inbound.batch();
        if (batch.isDetached()) {
            routeDetached(sender, batch);
        }
        else {
            route(sender, batch);
        }
        long payloadBytes = batch.end() - (long) batch.frames() * Wire.SEND_HEADER_BYTES;
        sender.countIn(batch.frames(), payloadBytes);
        this.metrics.received(batch.frames(), payloadBytes);
        if (batch.hasOversizedFrame()) {
            rejectOversized(sender, (int) batch.oversizedDest());
        }
    }

    private void route(ClientSession sender, SendBatch batch) {
        byte[] bytes = batch.bytes();
        int end = batch.end();
        SendRate rate = sender.rate();
        if (rate == null || rate.admitAll(batch.frames(), end - (long) batch.frames() * Wire.SEND_HEADER_BYTES)) {
            routeRange(sender, bytes, 0, end);
            return;
        }
        // Rate limits: route what the buckets pay for, then wait for more (the reader reads no
        // faster: TCP holds the client back, and nothing is refused).
        int p = 0;
        while (p < end) {
            int stop = rate.admit(bytes, p, end);
            if (stop == p && !waitForRate(sender, rate.waitNanos(Wire.getInt(bytes, p + 4)))) {
                // Closing: what was read in full is routed now.
                stop = end;
            }
            routeRange(sender, bytes, p, stop);
            p = stop;
        }
    }

    private void routeRange(ClientSession sender, byte[] bytes, int from, int end) {
        long seq = sender.lastSeq();
        long queued = 0;
        for (int p = from; p < end; ) {
            int dest = Wire.getInt(bytes, p);
            if (forbidden(sender, dest, seq + 1)) {
                seq++;
                p += Wire.SEND_HEADER_BYTES + Wire.getInt(bytes, p + 4);
                continue;
            }
            ClientSession target = sender.cachedTarget(dest);
            if (target == null && dest != Wire.OPERATOR_ID) {
                target = this.registry.get(dest);
                sender.cacheTarget(target);
            }
            if (target != null) {
                // The frames of a burst to one destination go into its queue under one lock.
                long run = target.queue().offerRun(sender.id(), bytes, p, end, sender, seq + 1, this.pauseNanos);
                int taken = OutboundQueue.Run.taken(run);
                seq += taken;
                queued += taken;
                p = OutboundQueue.Run.position(run);
                Admission stoppedAt = OutboundQueue.Run.answer(run);
                if (stoppedAt == Admission.NO_MEMORY) {
                    if (awaitMemory(target, this.pauseNanos)) {
                        continue;
                    }
                    stoppedAt = Admission.BUSY;
                }
                if (stoppedAt != Admission.QUEUED) {
                    reportUndelivered(sender, toResult(stoppedAt), dest, ++seq);
                    p += Wire.SEND_HEADER_BYTES + Wire.getInt(bytes, p + 4);
                }
            }
            else if (dest != Wire.OPERATOR_ID && this.remote != null) {
                // Another node's client: the frames of a burst to it go as one run when they can.
                long run = this.remote.offerRun(sender.id(), bytes, p, end, sender, seq + 1, this.pauseNanos);
                int taken = FrameRun.taken(run);
                seq += taken;
                queued += taken;
                p = FrameRun.position(run);
                OfferResult stoppedAt = RemoteDestinations.answer(run);
                if (stoppedAt != OfferResult.QUEUED) {
                    reportUndelivered(sender, stoppedAt, dest, ++seq);
                    p += Wire.SEND_HEADER_BYTES + Wire.getInt(bytes, p + 4);
                }
            }
            else {
                reportUndelivered(sender, OfferResult.CLOSED, dest, ++seq);
                p += Wire.SEND_HEADER_BYTES + Wire.getInt(bytes, p + 4);
            }
        }
        sender.lastSeq(seq);
        sender.routed(queued);
    }

    /**
     * Whether the sender's token does not let it send to {@code dest}; if so, it gets FORBIDDEN
     * for SEND {@code seq}. Checked after the size and before the destination is looked up, so
     * the answer says nothing of whether {@code dest} is connected.
     */
    private boolean forbidden(ClientSession sender, int dest, long seq) {
        SendPermission permission = sender.permission();
        if (permission == null || permission.allows(dest)) {
            return false;
        }
        error(sender, ErrorCode.FORBIDDEN, dest, seq);
        return true;
    }

    /**
     * The client is over its rate: its reader waits, reading nothing meanwhile, unless the
     * connection closes or the relay shuts down first.
     * @return false when it stopped waiting for a close or a shutdown
     */
    private boolean waitForRate(ClientSession sender, long nanos) {
        sender.throttle(nanos);
        this.metrics.throttled(nanos);
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            if (sender.endsThrottle()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, MAX_THROTTLE_SLICE_NANOS));
        }
        return true;
    }

    /** One frame read into an array of its own: its payload is queued without a copy. */
    private void routeDetached(ClientSession sender, SendBatch batch) {
        byte[] bytes = batch.bytes();
        int dest = Wire.getInt(bytes, 0);
        int length = Wire.getInt(bytes, 4);
        SendRate rate = sender.rate();
        while (rate != null && rate.admit(bytes, 0, batch.end()) == 0 && waitForRate(sender, rate.waitNanos(length))) {
            // Waited for the rate; a close or a shutdown routes the frame at once.
        }
        long seq = sender.nextSeq();
        Body body = new Body(bytes, Wire.SEND_HEADER_BYTES, length, this.budget, batch.detachedMemory());
        try {
            if (forbidden(sender, dest, seq)) {
                return;
            }
            ClientSession target = sender.cachedTarget(dest);
            if (target == null && dest != Wire.OPERATOR_ID) {
                target = this.registry.get(dest);
                sender.cacheTarget(target);
            }
            if (target == null) {
                if (routeElsewhere(sender, dest, bytes, Wire.SEND_HEADER_BYTES, length, seq)) {
                    sender.routed(1);
                }
                return;
            }
            Admission answer;
            while ((answer = target.queue().offer(sender.id(), body, sender, seq, this.pauseNanos)) == Admission.NO_MEMORY) {
                if (!awaitMemory(target, this.pauseNanos)) {
                    answer = Admission.BUSY;
                    break;
                }
            }
            if (answer == Admission.QUEUED) {
                sender.routed(1);
            }
            else {
                reportUndelivered(sender, toResult(answer), dest, seq);
            }
        }
        finally {
            // The queue holds the body now, if it took it; the memory goes back with the last hold.
            body.release();
        }
    }

    /**
     * A destination not connected here: another node's, or nobody's.
     * @return whether it was taken, its outcome to come later
     */
    private boolean routeElsewhere(ClientSession sender, int dest, byte[] bytes, int offset, int length, long seq) {
        OfferResult result = (dest != Wire.OPERATOR_ID && this.remote != null)
                ? this.remote.offer(dest, sender.id(), bytes, offset, length, sender, seq, this.pauseNanos)
                : OfferResult.CLOSED;
        if (result == OfferResult.QUEUED) {
            return true;
        }
        reportUndelivered(sender, result, dest, seq);
        return false;
    }

    /**
     * The budget had no room for {@code target}'s queue to grow: frees memory if stalled clients
     * hold some; then, when the caller may wait, waits a moment for memory to come back.
     * @param waitNanos how long the caller may wait for room; 0 not at all
     * @return true to offer again, false to answer DESTINATION_BUSY
     */
    private boolean awaitMemory(ClientSession target, long waitNanos) {
        boolean freed = this.relief.relieve();
        if (waitNanos <= 0 && !freed) {
            return false;
        }
        if (target.isClosed()) {
            // The offer again answers CLOSED.
            return true;
        }
        // After an eviction the memory comes back as its connections close; under pause, also as
        // queues drain. Either way the offer is tried again after a short wait.
        return this.budget.awaitRelease(MEMORY_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void reportUndelivered(ClientSession sender, OfferResult answer, int dest, long seq) {
        if (answer != OfferResult.QUEUED) {
            error(sender, answer.error(), dest, seq);
        }
    }

    /**
     * Queues an ERROR the reader found itself for its sender. It waits, if it must, for the sender
     * to read its earlier frames and for memory: this client is then read no faster than it
     * reads its ERRORs, whatever the policy.
     */
    private void error(ClientSession sender, ErrorCode code, int dest, long seq) {
        Admission answer;
        while ((answer = sender.queue().offerError(code, dest, seq, true)) == Admission.NO_MEMORY) {
            this.relief.relieve();
            if (sender.isClosed() || !this.budget.awaitRelease(MEMORY_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
        if (answer == Admission.QUEUED) {
            this.metrics.error(code);
        }
    }

    /**
     * FRAME_TOO_LARGE: the ERROR goes out after what is already queued, then the connection
     * closes as if the client had closed its side; the reader reads no more, so the payload is
     * never taken for frames.
     */
    private void rejectOversized(ClientSession sender, int dest) {
        error(sender, ErrorCode.FRAME_TOO_LARGE, dest, sender.nextSeq());
        sender.inputEnded();
        logger.debug("Closing " + sender + " after a frame over max-payload-bytes");
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
        long deadline = System.nanoTime() + waitNanos;
        boolean retried = false;
        // A large payload is held whole, as a detached frame is, rather than copied into the queue's batch.
        boolean whole = length >= SendBatchReader.DEFAULT_READ_LIMIT;
        Body body = null;
        try {
            while (true) {
                long left = (waitNanos == Long.MAX_VALUE) ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
                Admission answer;
                if (!whole) {
                    answer = target.queue().offer(src, payload, offset, length, origin, seq, left);
                }
                else {
                    if (body == null && this.budget.tryTake(length)) {
                        body = new Body(Arrays.copyOfRange(payload, offset, offset + length), 0, length, this.budget,
                                length);
                    }
                    answer = (body != null) ? target.queue().offer(src, body, origin, seq, left) : Admission.NO_MEMORY;
                }
                if (answer != Admission.NO_MEMORY) {
                    return toResult(answer);
                }
                boolean freed = this.relief.relieve();
                if (left == 0) {
                    // A caller that must not wait gets one more try when memory was freed, no more.
                    if (!freed || retried) {
                        return OfferResult.BUSY;
                    }
                    retried = true;
                }
                else if (!this.budget.awaitRelease(Math.min(MEMORY_WAIT_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1),
                        TimeUnit.MILLISECONDS)) {
                    return OfferResult.BUSY;
                }
            }
        }
        finally {
            if (body != null) {
                body.release();
            }
        }
    }

    /**
     * Offers, without waiting, the SEND frames at the start of {@code frames[from, end)} addressed
     * to the first frame's destination on this node, from someone other than a local client (a
     * client of another node), numbered from {@code firstSeq}: one look-up and one queue lock for
     * the run. It stops at the first frame the queue does not take at once, and before a payload
     * that {@link #offer} would hold whole rather than copy; the caller offers that frame with
     * {@link #offer}, which says why or waits.
     * @return a {@link FrameRun}: how many it took (copied before this returns), where it stopped
     */
    public long offerRun(int src, byte[] frames, int from, int end, MessageOrigin origin, long firstSeq) {
        int dest = Wire.getInt(frames, from);
        ClientSession target = this.registry.get(dest);
        if (target == null) {
            return FrameRun.of(from, 0);
        }
        // The queue's run is a FrameRun; its answer to the frame it stopped at is for offer to give.
        return target.queue().offerRun(src, frames, from, end, SendBatchReader.DEFAULT_READ_LIMIT, origin, firstSeq, 0);
    }

    /**
     * Offers a message from someone other than a client to every client connected now whose
     * queue has room, without waiting for room. The recipients share one copy of the payload,
     * which counts once against the node's memory.
     * @return how many queues took it; {@code origin} learns the outcome of each of those later
     */
    public int broadcast(int src, byte[] payload, MessageOrigin origin) {
        if (!this.budget.tryTake(payload.length) && !(this.relief.relieve() && this.budget.tryTake(payload.length))) {
            return 0;
        }
        Body body = new Body(payload, 0, payload.length, this.budget, payload.length);
        int queued = 0;
        try {
            for (ClientSession target : this.registry.all()) {
                if (target.queue().offer(src, body, origin, 0, 0) == Admission.QUEUED) {
                    queued++;
                }
            }
        }
        finally {
            body.release();
        }
        return queued;
    }

    private static OfferResult toResult(Admission answer) {
        return switch (answer) {
            case QUEUED -> OfferResult.QUEUED;
            case BUSY, NO_MEMORY -> OfferResult.BUSY;
            case GONE -> OfferResult.GONE;
            case CLOSED -> OfferResult.CLOSED;
        };
    }
}
