package io.switchboard.relay;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;

/**
 * One client's outbound queue: the frames taken for it and not yet written, bounded by
 * {@code max-queued-bytes} of payload (PROTOCOL.md sections 4 and 5), with their overhead
 * (headers, the entries that track each message, ERRORs) bounded separately by the same number,
 * so that floods of empty payloads, which the protocol's room rule always admits to an empty
 * queue, are bounded too. The memory its arrays grow into comes from the node's budget; when
 * that has none, an offer answers {@link Admission#NO_MEMORY} and the router decides.
 *
 * <p>Threading: senders (other clients' readers, the operator, the cluster) append under
 * {@link #lock}; the client's one writer swaps the filled batch out under the same lock and
 * writes it with the lock released, so no lock is ever held across a socket write and a client
 * that does not read blocks only the threads that wait for its room. Outcomes are reported to
 * each message's {@link MessageOrigin} with no lock held, as they may append to other queues.
 * {@link #lock} guards every field but {@link #stalledSinceNanos}, which is volatile.
 *
 * <p>Closing (PROTOCOL.md section 5): {@link #drain} lets the writer write what is queued and
 * then end once the client's own traffic is finished; with {@code refuse} (the client itself is
 * closing) new DELIVERs end as DESTINATION_GONE at once. {@link #expire} ends what was not yet
 * handed to the writer (shutdown's grace is over), keeping the client's ERRORs. {@link #close}
 * ends everything: the client is gone.
 */
final class OutboundQueue {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = this.lock.newCondition();
    private final Condition room = this.lock.newCondition();
    private final int clientId;
    private final long maxQueuedBytes;
    private final MemoryBudget budget;
    /** Asked while draining, under the lock: whether nothing more of the client's own can come. */
    private final BooleanSupplier ownerFinished;

    private OutboundBatch filling;
    /** Batches that reached their size before the writer took them, oldest first: before filling. */
    private @Nullable ArrayDeque<OutboundBatch> sealed;
    private @Nullable OutboundBatch spare;
    /** Payload bytes taken and not yet written, the batch being written included. */
    private long queuedPayload;
    /** Frame and tracking bytes other than payload, likewise. */
    private long queuedOverhead;
    private int waitingForRoom;
    private boolean writerWaiting;
    private boolean closed;
    /** New DELIVERs end as DESTINATION_GONE: the client is closing. */
    private boolean refusing;
    /** The writer ends once all is written and {@link #ownerFinished} says so. */
    private boolean draining;

    /** When the queue last went from empty to holding data, or last saw a write progress; 0 when empty. */
    private volatile long stalledSinceNanos;

    OutboundQueue(int clientId, long maxQueuedBytes, MemoryBudget budget, BooleanSupplier ownerFinished) {
        this.clientId = clientId;
        this.maxQueuedBytes = maxQueuedBytes;
        this.budget = budget;
        this.ownerFinished = ownerFinished;
        this.filling = new OutboundBatch(budget);
        this.spare = new OutboundBatch(budget);
        this.filling.addGreeting(clientId);
        this.queuedOverhead = Wire.GREETING_BYTES;
        this.stalledSinceNanos = System.nanoTime();
    }

    /**
     * Offers a DELIVER frame whose payload is copied.
     * @param waitNanos how long to wait for room: 0 not at all, {@link Long#MAX_VALUE} as long as it takes
     */
    Admission offer(int src, byte[] payload, int offset, int length, MessageOrigin origin, long seq, long waitNanos) {
        ReentrantLock lock = this.lock;
        lock.lock();
        try {
            return offerLocked(src, payload, offset, length, null, origin, seq, waitNanos);
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Offers a DELIVER frame of a body held by reference; the queue holds the body once QUEUED.
     * @param waitNanos as for {@link #offer}
     */
    Admission offer(int src, Body body, MessageOrigin origin, long seq, long waitNanos) {
        ReentrantLock lock = this.lock;
        lock.lock();
        try {
            return offerLocked(src, null, 0, body.length, body, origin, seq, waitNanos);
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
     * @return a {@link Run}: where it stopped, how many frames it took, and the answer to the frame
     *         it stopped at (QUEUED when it stopped at another destination or at the end)
     */
    long offerRun(int src, byte[] frames, int from, int end, MessageOrigin origin, long firstSeq, long waitNanos) {
        return offerRun(src, frames, from, end, Integer.MAX_VALUE, origin, firstSeq, waitNanos);
    }

    /**
     * As {@link #offerRun(int, byte[], int, int, MessageOrigin, long, long)}, and stops, answering
     * QUEUED, before a frame whose payload is {@code maxLength} bytes or more.
     */
    long offerRun(int src, byte[] frames, int from, int end, int maxLength, MessageOrigin origin, long firstSeq,
            long waitNanos) {
        int p = from;
        int taken = 0;
        ReentrantLock lock = this.lock;
        lock.lock();
        try {
            int length;
            while (p < end && Wire.getInt(frames, p) == this.clientId
                    && (length = Wire.getInt(frames, p + 4)) < maxLength) {
                Admission answer = offerLocked(src, frames, p + Wire.SEND_HEADER_BYTES, length, null, origin,
                        firstSeq + taken, waitNanos);
                if (answer != Admission.QUEUED) {
                    return Run.of(p, taken, answer);
                }
                taken++;
                p += Wire.SEND_HEADER_BYTES + length;
            }
            return Run.of(p, taken, Admission.QUEUED);
        }
        finally {
            lock.unlock();
        }
    }

    private Admission offerLocked(int src, byte[] payload, int offset, int length, Body body, MessageOrigin origin,
            long seq, long waitNanos) {
        if (this.closed) {
            return Admission.CLOSED;
        }
        if (this.refusing) {
            return Admission.GONE;
        }
        if (!hasRoom(length, OutboundBatch.MESSAGE_OVERHEAD)) {
            Admission waited = awaitRoom(length, OutboundBatch.MESSAGE_OVERHEAD, waitNanos);
            if (waited != Admission.QUEUED) {
                return waited;
            }
        }
        int inline = Wire.DELIVER_HEADER_BYTES + ((body == null) ? length : 0);
        OutboundBatch batch = this.filling.isFullFor(inline) ? seal() : this.filling;
        if (body == null) {
            if (!batch.ensureMessage(inline, false)) {
                return Admission.NO_MEMORY;
            }
            batch.addCopied(src, payload, offset, length, origin, seq);
        }
        else {
            if (!batch.ensureMessage(Wire.DELIVER_HEADER_BYTES, true)) {
                return Admission.NO_MEMORY;
            }
            body.retain();
            batch.addBody(src, body, origin, seq);
        }
        added(length, OutboundBatch.MESSAGE_OVERHEAD);
        return Admission.QUEUED;
    }

    /**
     * The outcome of {@link #offerRun}: a {@link FrameRun} with the answer to the frame it stopped
     * at in the top byte.
     */
    static final class Run {

        private Run() {
        }

        static long of(int position, int taken, Admission stoppedAt) {
            return ((long) stoppedAt.ordinal() << 56) | FrameRun.of(position, taken);
        }

        static int position(long run) {
            return FrameRun.position(run);
        }

        static int taken(long run) {
            return FrameRun.taken(run);
        }

        static Admission answer(long run) {
            return Admission.of((int) (run >>> 56));
        }
    }

    /**
     * Queues an ERROR frame for this client.
     * @param fromReader whether the caller is this client's own reader (an ERROR it found itself),
     *        which may wait for the client to read its earlier frames, and whose ERRORs count
     *        against the node's memory like any message; any other caller reports the outcome of
     *        a message that was queued, must not wait, and is bounded by the messages that other
     *        queues held
     * @return QUEUED; CLOSED when the client is gone and the ERROR has nowhere to go; NO_MEMORY
     *         (for the reader only) when the node's memory budget had no room
     */
    Admission offerError(ErrorCode code, int dest, long seq, boolean fromReader) {
        this.lock.lock();
        try {
            if (this.closed) {
                return Admission.CLOSED;
            }
            if (fromReader && !this.refusing && !hasRoom(0, Wire.ERROR_FRAME_BYTES)
                    && awaitRoom(0, Wire.ERROR_FRAME_BYTES, Long.MAX_VALUE) != Admission.QUEUED && this.closed) {
                return Admission.CLOSED;
            }
            OutboundBatch batch = this.filling.isControlFull() ? seal() : this.filling;
            if (!batch.addError(code, dest, seq, !fromReader)) {
                return Admission.NO_MEMORY;
            }
            added(0, Wire.ERROR_FRAME_BYTES);
            return Admission.QUEUED;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Puts the filling batch behind those the writer will take first, and starts another. */
    private OutboundBatch seal() {
        if (this.sealed == null) {
            this.sealed = new ArrayDeque<>(4);
        }
        this.sealed.addLast(this.filling);
        this.filling = (this.spare != null) ? this.spare : new OutboundBatch(this.budget);
        this.spare = null;
        return this.filling;
    }

    /** Whether nothing is queued for the writer to take. */
    private boolean nothingToTake() {
        return this.filling.isEmpty() && (this.sealed == null || this.sealed.isEmpty());
    }

    private boolean hasRoom(long payload, int overhead) {
        return (this.queuedPayload == 0 && this.queuedOverhead == 0)
                || (this.queuedPayload + payload <= this.maxQueuedBytes
                        && this.queuedOverhead + overhead <= this.maxQueuedBytes);
    }

    private Admission awaitRoom(long payload, int overhead, long waitNanos) {
        if (waitNanos <= 0) {
            return Admission.BUSY;
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
                        return Admission.BUSY;
                    }
                    remaining = this.room.awaitNanos(remaining);
                }
                if (this.closed || this.refusing) {
                    return Admission.GONE;
                }
            }
            return Admission.QUEUED;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Admission.BUSY;
        }
        finally {
            this.waitingForRoom--;
        }
    }

    private void added(long payload, int overhead) {
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
     * Hands back the batch the writer is done with, waits for frames to write and takes all of
     * them.
     * @param done the writer's last batch, {@link #written} and then {@linkplain OutboundBatch#reset() reset};
     *        null the first time
     * @return the batch to write, then hand to {@link #advanced} as it goes and to
     *         {@link #written} or {@link #failed}; null when the writer is to end: the queue is
     *         closed, or drained and its client finished
     */
    OutboundBatch take(OutboundBatch done) {
        this.lock.lock();
        try {
            if (done != null) {
                if (this.closed || this.spare != null) {
                    done.trim();
                }
                else {
                    this.spare = done;
                }
            }
            while (nothingToTake()) {
                if (this.closed || (this.draining && this.ownerFinished.getAsBoolean())) {
                    return null;
                }
                this.writerWaiting = true;
                this.notEmpty.awaitUninterruptibly();
                this.writerWaiting = false;
            }
            if (this.closed) {
                return null;
            }
            if (this.sealed != null && !this.sealed.isEmpty()) {
                return this.sealed.pollFirst();
            }
            OutboundBatch batch = this.filling;
            this.filling = (this.spare != null) ? this.spare : new OutboundBatch(this.budget);
            this.spare = null;
            return batch;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Some of the batch reached the socket: its first {@code streamBytes} bytes. The messages
     * whose frames lie wholly in them are delivered now, and no longer count as queued.
     * @return the payload bytes of the messages delivered now
     */
    long advanced(OutboundBatch batch, long streamBytes) {
        int from = batch.reported;
        boolean whole = streamBytes == batch.streamBytes();
        int to = whole ? batch.messages : batch.messagesWithin(streamBytes);
        boolean controlDone = !batch.controlReleased && streamBytes >= batch.controlSize;
        // The common case, a batch written in one go, needs no walk over its messages.
        long payload = (whole && from == 0) ? batch.payloadBytes : batch.payloadBytesOf(from, to);
        long overhead = (long) (to - from) * OutboundBatch.MESSAGE_OVERHEAD + (controlDone ? batch.controlSize : 0);
        this.lock.lock();
        try {
            this.queuedPayload -= payload;
            this.queuedOverhead -= overhead;
            boolean empty = this.queuedPayload == 0 && this.queuedOverhead == 0;
            this.stalledSinceNanos = empty ? 0 : System.nanoTime();
            if (this.waitingForRoom > 0 && (payload > 0 || overhead > 0)) {
                this.room.signalAll();
            }
        }
        finally {
            this.lock.unlock();
        }
        batch.reported = to;
        if (controlDone) {
            batch.controlReleased = true;
        }
        deliver(batch, from, to);
        return payload;
    }

    /**
     * The batch was written in full: each message in it not yet reported is delivered.
     * @return the payload bytes of those messages
     */
    long written(OutboundBatch batch) {
        return advanced(batch, batch.streamBytes());
    }

    /**
     * The batch could not be written in full: the socket took its first {@code streamBytes}
     * bytes. The messages whose frames lie wholly in them were written, and the client can still
     * read them (PROTOCOL.md section 5); the others have gone with their client. Drops the batch.
     * @return the payload bytes of the messages delivered now
     */
    long failed(OutboundBatch batch, long streamBytes) {
        long delivered = advanced(batch, streamBytes);
        int from = batch.reported;
        long payload = batch.payloadBytesOf(from, batch.messages);
        long overhead = (long) (batch.messages - from) * OutboundBatch.MESSAGE_OVERHEAD
                + (batch.controlReleased ? 0 : batch.controlSize);
        this.lock.lock();
        try {
            this.queuedPayload -= payload;
            this.queuedOverhead -= overhead;
            if (this.waitingForRoom > 0) {
                this.room.signalAll();
            }
        }
        finally {
            this.lock.unlock();
        }
        failFrom(batch, from);
        batch.trim();
        return delivered;
    }

    /**
     * Reports the messages {@code [from, to)} delivered, a run of one origin's at a time: a
     * client's messages in a row whatever their seqs (it counts them), any other origin's when
     * their seqs are consecutive (a node reports them as one range).
     */
    private void deliver(OutboundBatch batch, int from, int to) {
        MessageOrigin[] origins = batch.origins;
        long[] seqs = batch.seqs;
        int i = from;
        while (i < to) {
            MessageOrigin origin = origins[i];
            boolean anySeqs = origin instanceof ClientSession;
            long first = seqs[i];
            int run = 1;
            while (i + run < to && origins[i + run] == origin && (anySeqs || seqs[i + run] == first + run)) {
                run++;
            }
            origin.delivered(this.clientId, first, run);
            i += run;
        }
    }

    private void failFrom(OutboundBatch batch, int first) {
        for (int i = first; i < batch.messages; i++) {
            batch.origins[i].failed(ErrorCode.DESTINATION_GONE, this.clientId, batch.seqs[i]);
        }
    }

    /**
     * Lets the writer write what is queued and then end once the client's own traffic is finished
     * (see the constructor's {@code ownerFinished}).
     * @param refuse whether new DELIVERs end as DESTINATION_GONE from now on, as do those
     *        waiting for room (the client is closing); otherwise they are still taken (a drain at
     *        shutdown)
     */
    void drain(boolean refuse) {
        this.lock.lock();
        try {
            this.draining = true;
            if (refuse) {
                this.refusing = true;
                this.room.signalAll();
            }
            this.notEmpty.signalAll();
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Something the writer's end depends on changed: let it look again. */
    void wake() {
        this.lock.lock();
        try {
            if (this.writerWaiting) {
                this.notEmpty.signal();
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * The grace for this client is over: the DELIVERs not yet handed to the writer end as
     * DESTINATION_GONE, and so do new ones and those waiting for room; its ERRORs stay queued,
     * and the writer ends once they are written and its client has finished.
     */
    void expire() {
        OutboundBatch[] unwritten;
        this.lock.lock();
        try {
            if (this.closed) {
                return;
            }
            this.refusing = true;
            this.draining = true;
            unwritten = untaken();
            OutboundBatch kept = (this.spare != null) ? this.spare : new OutboundBatch(this.budget);
            this.spare = null;
            for (OutboundBatch batch : unwritten) {
                kept.addControlOf(batch);
                this.queuedPayload -= batch.payloadBytes;
                this.queuedOverhead -= (long) batch.messages * OutboundBatch.MESSAGE_OVERHEAD;
            }
            this.filling = kept;
            this.room.signalAll();
            this.notEmpty.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        for (OutboundBatch batch : unwritten) {
            failFrom(batch, 0);
            batch.trim();
        }
    }

    /** Takes every batch not handed to the writer yet out of the queue, oldest first; under the lock. */
    private OutboundBatch[] untaken() {
        int count = 1 + ((this.sealed != null) ? this.sealed.size() : 0);
        OutboundBatch[] batches = new OutboundBatch[count];
        int i = 0;
        if (this.sealed != null) {
            while (!this.sealed.isEmpty()) {
                batches[i++] = this.sealed.pollFirst();
            }
        }
        batches[i] = this.filling;
        return batches;
    }

    /**
     * Closes the queue: the messages not yet handed to the writer, and those waiting for room,
     * end as DESTINATION_GONE; the batch being written, if any, ends with its write.
     */
    void close() {
        OutboundBatch[] unwritten;
        OutboundBatch spare;
        this.lock.lock();
        try {
            if (this.closed) {
                return;
            }
            this.closed = true;
            unwritten = untaken();
            spare = this.spare;
            this.filling = new OutboundBatch(this.budget);
            this.spare = null;
            for (OutboundBatch batch : unwritten) {
                this.queuedPayload -= batch.payloadBytes;
                this.queuedOverhead -= batch.overheadBytes();
            }
            this.room.signalAll();
            this.notEmpty.signalAll();
        }
        finally {
            this.lock.unlock();
        }
        for (OutboundBatch batch : unwritten) {
            failFrom(batch, 0);
            batch.trim();
        }
        if (spare != null) {
            spare.trim();
        }
    }

    /**
     * Gives back the buffers that an idle queue grew for its largest burst, so that an idle
     * client holds only the initial ones. Idle: nothing queued, and the writer waiting, so that
     * it holds no batch.
     * @return whether anything was given back
     */
    boolean trimIfIdle() {
        this.lock.lock();
        try {
            if (!this.writerWaiting || !nothingToTake() || this.closed) {
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

    /** The capacity of the queue's byte arrays, the batch being written excluded. */
    int bufferCapacity() {
        this.lock.lock();
        try {
            int capacity = this.filling.byteCapacity() + ((this.spare != null) ? this.spare.byteCapacity() : 0);
            if (this.sealed != null) {
                for (OutboundBatch batch : this.sealed) {
                    capacity += batch.byteCapacity();
                }
            }
            return capacity;
        }
        finally {
            this.lock.unlock();
        }
    }

    boolean isClosed() {
        this.lock.lock();
        try {
            return this.closed;
        }
        finally {
            this.lock.unlock();
        }
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

    /** Payload and overhead bytes taken and not yet written: what evicting the client frees, about. */
    long heldBytes() {
        this.lock.lock();
        try {
            return this.queuedPayload + this.queuedOverhead;
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
