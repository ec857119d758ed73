package io.switchboard.relay;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;

/**
 * One client's outbound queue: the frames taken for it and not yet written, bounded by
 * {@code max-queued-bytes} of payload (PROTOCOL.md sections 4 and 5).
 *
 * <p>Senders append frames under a short lock; the client's one writer swaps the whole batch out
 * under the same lock and writes it with the lock released, so no lock is ever held across a
 * socket write and a client that does not read blocks only the threads that wait for its room.
 * Outcomes are reported to each message's {@link MessageOrigin} with no lock held, as they may
 * append to other queues.
 *
 * <p>Frame overhead (headers, greeting, ERRORs) is bounded separately by the same number, so
 * that floods of empty payloads, which the protocol's room rule always admits to an empty
 * queue, cannot grow the queue without bound either.
 */
final class OutboundQueue {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = this.lock.newCondition();
    private final Condition room = this.lock.newCondition();
    private final int clientId;
    private final long maxQueuedBytes;

    private OutboundBatch filling = new OutboundBatch();
    private OutboundBatch spare = new OutboundBatch();
    /** Payload bytes taken and not yet written, the batch being written included. */
    private long queuedPayload;
    /** Frame bytes other than payload, likewise. */
    private long queuedOverhead;
    private int waitingForRoom;
    private boolean writerWaiting;
    private boolean closed;
    private boolean draining;

    /** When the queue last went from empty to holding data, or last saw a write progress; 0 when empty. */
    private volatile long stalledSinceNanos;

    OutboundQueue(int clientId, long maxQueuedBytes) {
        this.clientId = clientId;
        this.maxQueuedBytes = maxQueuedBytes;
        int at = this.filling.reserve(Wire.GREETING_BYTES);
        Wire.putInt(this.filling.bytes, at, clientId);
        this.filling.overheadBytes = Wire.GREETING_BYTES;
        this.queuedOverhead = Wire.GREETING_BYTES;
        this.stalledSinceNanos = System.nanoTime();
    }

    /**
     * Offers a DELIVER frame.
     * @param waitNanos how long to wait for room: 0 not at all, {@link Long#MAX_VALUE} as long as it takes
     */
    OfferResult offer(int src, byte[] payload, int offset, int length, MessageOrigin origin, long seq,
            long waitNanos) {
        ReentrantLock lock = this.lock;
        lock.lock();
        try {
            return offerLocked(src, payload, offset, length, origin, seq, waitNanos);
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Offers, under one lock, the consecutive SEND frames at the start of {@code frames[from, end)}
     * that are addressed to this client, in order, numbered from {@code firstSeq}: a sender's burst
     * to one destination costs one lock rather than one per frame. Stops before the first frame
     * addressed elsewhere, or at the first frame that is not QUEUED.
     * @return a {@link Run}: where it stopped, how many frames it took, and the result of the frame
     *         it stopped at (QUEUED when it stopped at another destination or at the end)
     */
    long offerRun(int src, byte[] frames, int from, int end, MessageOrigin origin, long firstSeq, long waitNanos) {
        int p = from;
        int taken = 0;
        ReentrantLock lock = this.lock;
        lock.lock();
        try {
            while (p < end && Wire.getInt(frames, p) == this.clientId) {
                int length = Wire.getInt(frames, p + 4);
                OfferResult result = offerLocked(src, frames, p + Wire.SEND_HEADER_BYTES, length, origin,
                        firstSeq + taken, waitNanos);
                if (result != OfferResult.QUEUED) {
                    return Run.of(p, taken, result);
                }
                taken++;
                p += Wire.SEND_HEADER_BYTES + length;
            }
            return Run.of(p, taken, OfferResult.QUEUED);
        }
        finally {
            lock.unlock();
        }
    }

    private OfferResult offerLocked(int src, byte[] payload, int offset, int length, MessageOrigin origin,
            long seq, long waitNanos) {
        if (this.closed || this.draining) {
            return OfferResult.CLOSED;
        }
        if (!hasRoom(length, Wire.DELIVER_HEADER_BYTES)) {
            OfferResult waited = awaitRoom(length, Wire.DELIVER_HEADER_BYTES, waitNanos);
            if (waited != OfferResult.QUEUED) {
                return waited;
            }
        }
        OutboundBatch batch = this.filling;
        int at = batch.reserve(Wire.DELIVER_HEADER_BYTES + length);
        Wire.putDeliverHeader(batch.bytes, at, src, length);
        System.arraycopy(payload, offset, batch.bytes, at + Wire.DELIVER_HEADER_BYTES, length);
        batch.addMessage(origin, seq, at, length, Wire.DELIVER_HEADER_BYTES);
        added(length, Wire.DELIVER_HEADER_BYTES);
        return OfferResult.QUEUED;
    }

    /** The outcome of {@link #offerRun}, packed in a long so that the per-frame path allocates nothing. */
    static final class Run {

        private static final OfferResult[] RESULTS = OfferResult.values();

        private Run() {
        }

        static long of(int position, int taken, OfferResult stoppedAt) {
            return ((long) stoppedAt.ordinal() << 56) | ((long) taken << 32) | (position & 0xFFFF_FFFFL);
        }

        static int position(long run) {
            return (int) run;
        }

        static int taken(long run) {
            return (int) ((run >>> 32) & 0xFF_FFFF);
        }

        static OfferResult result(long run) {
            return RESULTS[(int) (run >>> 56)];
        }
    }

    /**
     * Queues an ERROR frame for this client.
     * @param mayWait whether the caller is this client's own reader, which may wait for the
     *        client to read its earlier frames; any other caller must not wait, and the frames
     *        it adds are bounded by the messages that other queues held
     * @return false when the client is gone and the ERROR has nowhere to go
     */
    boolean offerError(ErrorCode code, int dest, long seq, boolean mayWait) {
        this.lock.lock();
        try {
            if (this.closed) {
                return false;
            }
            if (mayWait && !hasRoom(0, Wire.ERROR_FRAME_BYTES)
                    && awaitRoom(0, Wire.ERROR_FRAME_BYTES, Long.MAX_VALUE) != OfferResult.QUEUED) {
                return false;
            }
            OutboundBatch batch = this.filling;
            int at = batch.reserve(Wire.ERROR_FRAME_BYTES);
            Wire.putError(batch.bytes, at, code, dest, seq);
            batch.overheadBytes += Wire.ERROR_FRAME_BYTES;
            added(0, Wire.ERROR_FRAME_BYTES);
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    private boolean hasRoom(int payload, int overhead) {
        return (this.queuedPayload == 0 && this.queuedOverhead == 0)
                || (this.queuedPayload + payload <= this.maxQueuedBytes
                        && this.queuedOverhead + overhead <= this.maxQueuedBytes);
    }

    private OfferResult awaitRoom(int payload, int overhead, long waitNanos) {
        if (waitNanos <= 0) {
            return OfferResult.BUSY;
        }
        long remaining = waitNanos;
        this.waitingForRoom++;
        try {
            while (!hasRoom(payload, overhead)) {
                if (waitNanos == Long.MAX_VALUE) {
                    this.room.awaitUninterruptibly();
                }
                else {
                    if (remaining <= 0) {
                        return OfferResult.BUSY;
                    }
                    remaining = this.room.awaitNanos(remaining);
                }
                if (this.closed || this.draining) {
                    return OfferResult.GONE;
                }
            }
            return OfferResult.QUEUED;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return OfferResult.BUSY;
        }
        finally {
            this.waitingForRoom--;
        }
    }

    private void added(int payload, int overhead) {
        if (this.queuedPayload == 0 && this.queuedOverhead == 0) {
            this.stalledSinceNanos = System.nanoTime();
        }
        this.queuedPayload += payload;
        this.queuedOverhead += overhead;
        if (this.writerWaiting) {
            this.notEmpty.signal();
        }
    }

    /**
     * Waits for frames to write and takes all of them.
     * @return the batch to write, then hand back to {@link #written} or {@link #failed}; null
     *         when the queue is closed, or drained after {@link #drainAndClose()}
     */
    OutboundBatch take() {
        this.lock.lock();
        try {
            while (this.filling.isEmpty()) {
                if (this.closed || this.draining) {
                    return null;
                }
                this.writerWaiting = true;
                this.notEmpty.awaitUninterruptibly();
                this.writerWaiting = false;
            }
            if (this.closed) {
                return null;
            }
            OutboundBatch batch = this.filling;
            this.filling = (this.spare != null) ? this.spare : new OutboundBatch();
            this.spare = null;
            return batch;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Gives back the buffers that an idle queue grew for its largest burst (up to twice 64 KiB),
     * so that an idle client holds only the initial ones. Idle: nothing queued, and the writer
     * waiting, so that it holds no batch.
     * @return whether anything was given back
     */
    boolean trimIfIdle() {
        this.lock.lock();
        try {
            if (!this.writerWaiting || !this.filling.isEmpty() || this.closed) {
                return false;
            }
            boolean trimmed = this.filling.trim();
            if (this.spare != null && this.spare.trim()) {
                trimmed = true;
            }
            return trimmed;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** The capacity of the queue's batch buffers, in bytes. */
    int bufferCapacity() {
        this.lock.lock();
        try {
            return this.filling.bytes.length + ((this.spare != null) ? this.spare.bytes.length : 0);
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Some bytes of the batch being written reached the socket. */
    void progressed() {
        this.stalledSinceNanos = System.nanoTime();
    }

    /** The batch was written in full: each message in it is delivered. */
    void written(OutboundBatch batch) {
        release(batch);
        for (int i = 0; i < batch.messages; i++) {
            batch.origins[i].delivered(this.clientId, batch.seqs[i]);
        }
        recycle(batch);
    }

    /**
     * The batch could not be written in full: the socket took its first {@code writtenBytes}
     * bytes. The messages whose frames lie wholly in them were written, and the client can still
     * read them (PROTOCOL.md section 5); the others have gone with their client.
     */
    void failed(OutboundBatch batch, int writtenBytes) {
        release(batch);
        int written = batch.messagesWithin(writtenBytes);
        for (int i = 0; i < written; i++) {
            batch.origins[i].delivered(this.clientId, batch.seqs[i]);
        }
        failFrom(batch, written);
        recycle(batch);
    }

    private void release(OutboundBatch batch) {
        this.lock.lock();
        try {
            this.queuedPayload -= batch.payloadBytes;
            this.queuedOverhead -= batch.overheadBytes;
            boolean empty = this.queuedPayload == 0 && this.queuedOverhead == 0;
            this.stalledSinceNanos = empty ? 0 : System.nanoTime();
            if (this.waitingForRoom > 0) {
                this.room.signalAll();
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    private void recycle(OutboundBatch batch) {
        batch.reset();
        this.lock.lock();
        try {
            this.spare = batch;
        }
        finally {
            this.lock.unlock();
        }
    }

    private void failFrom(OutboundBatch batch, int first) {
        for (int i = first; i < batch.messages; i++) {
            batch.origins[i].failed(ErrorCode.DESTINATION_GONE, this.clientId, batch.seqs[i]);
        }
    }

    /**
     * Takes no more frames, but lets the writer write what is queued; {@link #take()} answers
     * null once it is all written. Messages waiting for room end as DESTINATION_GONE.
     */
    void drainAndClose() {
        this.lock.lock();
        try {
            this.draining = true;
            this.room.signalAll();
            this.notEmpty.signalAll();
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Closes the queue: the messages not yet handed to the writer, and those waiting for room,
     * end as DESTINATION_GONE; the batch being written, if any, ends with its write.
     */
    void close() {
        OutboundBatch unwritten;
        this.lock.lock();
        try {
            if (this.closed) {
                return;
            }
            this.closed = true;
            unwritten = this.filling;
            this.filling = new OutboundBatch();
            this.queuedPayload -= unwritten.payloadBytes;
            this.queuedOverhead -= unwritten.overheadBytes;
            this.room.signalAll();
            this.notEmpty.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        failFrom(unwritten, 0);
    }

    /** Payload bytes taken and not yet written. */
    long queuedBytes() {
        this.lock.lock();
        try {
            return this.queuedPayload;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Since when data has waited with no write progress, as {@link System#nanoTime()}; 0 when empty. */
    long stalledSinceNanos() {
        return this.stalledSinceNanos;
    }
}
