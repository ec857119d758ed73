package io.switchboard.relay;

import java.nio.ByteBuffer;
import java.util.Arrays;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;

/**
 * Frames queued for one client, coalesced so that the writer sends them in one write: the
 * client's control frames (its greeting and ERRORs about its own SENDs), then DELIVER frames
 * in the order they were queued, with the origin and seq of each message so that each gets its
 * outcome. A payload is copied in behind its header, or, when it is a {@link Body}, held by
 * reference and written from where it is.
 *
 * <p>Every array grown beyond its initial size is taken from the node's {@link MemoryBudget}
 * first and given back when it shrinks; a body counts there once, however many batches hold it.
 * Arrays at most double, so they never hold more than twice what they carry (beyond their small
 * initial sizes).
 *
 * <p>Not thread-safe: owned by {@link OutboundQueue}, which swaps two of these between the
 * senders (under its lock) and its writer (which has the one it took to itself).
 */
final class OutboundBatch {

    static final int INITIAL_CAPACITY = 256;
    static final int INITIAL_CONTROL = 32;
    private static final int INITIAL_MESSAGES = 8;
    /**
     * Most DELIVER bytes, messages and control bytes in one batch: past them the queue starts
     * another. So no array of a batch reaches the size that G1 allocates as a humongous object
     * (half a region: 512 KiB with the 1 MiB regions of heaps under 2 GiB), whose whole regions
     * would sit half empty, and a full queue is a chain of batches rather than one array grown
     * by copying.
     */
    static final int MAX_BYTES = 256 * 1024;
    static final int MAX_MESSAGES = 8192;
    static final int MAX_CONTROL = 256 * 1024;

    /** Past these, an array is dropped after use rather than kept by an idle client. */
    private static final int RETAINED_CAPACITY = 64 * 1024;
    private static final int RETAINED_MESSAGES = 4096;
    private static final int RETAINED_CONTROL = 4096;
    private static final int RETAINED_BODIES = 64;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    /** Bytes per message in the arrays that track it: its origin, seq and end. */
    private static final int MESSAGE_ENTRY_BYTES = 24;
    /** Bytes per body in the arrays that track it. */
    private static final int BODY_ENTRY_BYTES = 16;

    /**
     * What one message costs a queue beyond its payload: its DELIVER header and its entry in the
     * arrays that track it. Counted against {@code max-queued-bytes} with other overhead, so
     * that a flood of empty messages is bounded like any other.
     */
    static final int MESSAGE_OVERHEAD = Wire.DELIVER_HEADER_BYTES + MESSAGE_ENTRY_BYTES;

    private final MemoryBudget budget;

    // Arrays start empty (shared, of length 0) and are made on first use, at their initial sizes:
    // a client that is sent nothing holds none of them.
    private static final byte[] NO_BYTES = new byte[0];
    private static final MessageOrigin[] NO_ORIGINS = new MessageOrigin[0];
    private static final long[] NO_LONGS = new long[0];

    /** The greeting and ERROR frames, written first. */
    byte[] control = NO_BYTES;
    int controlSize;

    /** DELIVER headers and the payloads copied behind them; bodies go in between. */
    byte[] bytes = NO_BYTES;
    int size;

    MessageOrigin[] origins = NO_ORIGINS;
    long[] seqs = NO_LONGS;
    /** Where each message's frame ends in the DELIVER stream (bytes and bodies, control excluded). */
    long[] ends = NO_LONGS;
    int messages;

    /** Bodies held by reference, in stream order, each written right after bytes[0, bodyAt[k]). */
    private Body[] bodies;
    private int[] bodyAt;
    int bodyCount;
    private long bodyBytes;

    long payloadBytes;

    /** Messages whose outcome was reported as the batch was being written. */
    int reported;
    /** Whether the control frames' overhead was released from the queue's count. */
    boolean controlReleased;

    /** Taken from the budget for this batch's arrays beyond their initial sizes. */
    private long memory;

    /** How many of the buffers of the last {@link #views()} hold the batch. */
    int viewCount;
    private ByteBuffer controlView;
    private ByteBuffer bytesView;
    private final ByteBuffer[] plainViews = new ByteBuffer[2];

    OutboundBatch(MemoryBudget budget) {
        this.budget = budget;
    }

    boolean isEmpty() {
        return this.controlSize == 0 && this.size == 0;
    }

    /** Whether a DELIVER with {@code inline} bytes must go to another batch: this one has its fill. */
    boolean isFullFor(int inline) {
        return (this.size > 0 && this.size + inline > MAX_BYTES) || this.messages >= MAX_MESSAGES;
    }

    /** Whether control bytes must go to another batch: this one has its fill of them. */
    boolean isControlFull() {
        return this.controlSize + Wire.ERROR_FRAME_BYTES > MAX_CONTROL;
    }

    /** Bytes other than payload that the queue counts for this batch. */
    long overheadBytes() {
        return this.controlSize + (long) this.messages * MESSAGE_OVERHEAD;
    }

    /** The length of the whole batch as written: control frames, then DELIVERs. */
    long streamBytes() {
        return this.controlSize + this.size + this.bodyBytes;
    }

    // ---- filling (under the queue's lock) ----

    /**
     * Makes room for one more DELIVER with {@code inline} bytes in {@link #bytes} (its header
     * and a copied payload), and a body if {@code withBody}.
     * @return false when the budget refused the memory; nothing was changed then
     */
    boolean ensureMessage(int inline, boolean withBody) {
        // Small, so that it inlines into the per-message path; growing is the rare case.
        return (this.size + inline <= this.bytes.length && this.messages < this.origins.length && !withBody)
                || grow(inline, withBody);
    }

    private boolean grow(int inline, boolean withBody) {
        int neededBytes = this.size + inline;
        int bytesCapacity = (neededBytes > this.bytes.length)
                ? grownLength(this.bytes.length, neededBytes, INITIAL_CAPACITY, MAX_BYTES) : this.bytes.length;
        int messageCapacity = (this.messages == this.origins.length)
                ? Math.max(INITIAL_MESSAGES, this.messages * 2) : this.origins.length;
        int bodyCapacity = (withBody && (this.bodies == null || this.bodyCount == this.bodies.length))
                ? Math.max(2, this.bodyCount * 2) : ((this.bodies != null) ? this.bodies.length : 0);
        long more = bytesCharge(bytesCapacity) - bytesCharge(this.bytes.length)
                + messagesCharge(messageCapacity) - messagesCharge(this.origins.length)
                + bodiesCharge(bodyCapacity) - bodiesCharge((this.bodies != null) ? this.bodies.length : 0);
        if (more > 0) {
            if (!this.budget.tryTake(more)) {
                return false;
            }
            this.memory += more;
        }
        if (bytesCapacity != this.bytes.length) {
            this.bytes = Arrays.copyOf(this.bytes, bytesCapacity);
            this.bytesView = null;
        }
        if (messageCapacity != this.origins.length) {
            this.origins = Arrays.copyOf(this.origins, messageCapacity);
            this.seqs = Arrays.copyOf(this.seqs, messageCapacity);
            this.ends = Arrays.copyOf(this.ends, messageCapacity);
        }
        if (bodyCapacity != ((this.bodies != null) ? this.bodies.length : 0)) {
            this.bodies = (this.bodies == null) ? new Body[bodyCapacity] : Arrays.copyOf(this.bodies, bodyCapacity);
            this.bodyAt = (this.bodyAt == null) ? new int[bodyCapacity] : Arrays.copyOf(this.bodyAt, bodyCapacity);
        }
        return true;
    }

    /** Appends a DELIVER whose payload is copied; {@link #ensureMessage} made room for it. */
    void addCopied(int src, byte[] payload, int offset, int length, MessageOrigin origin, long seq) {
        int at = this.size;
        Wire.putDeliverHeader(this.bytes, at, src, length);
        System.arraycopy(payload, offset, this.bytes, at + Wire.DELIVER_HEADER_BYTES, length);
        this.size = at + Wire.DELIVER_HEADER_BYTES + length;
        addMessage(origin, seq, length);
    }

    /** Appends a DELIVER of a body, which the batch now holds; {@link #ensureMessage} made room. */
    void addBody(int src, Body body, MessageOrigin origin, long seq) {
        int at = this.size;
        Wire.putDeliverHeader(this.bytes, at, src, body.length);
        this.size = at + Wire.DELIVER_HEADER_BYTES;
        this.bodies[this.bodyCount] = body;
        this.bodyAt[this.bodyCount] = this.size;
        this.bodyCount++;
        this.bodyBytes += body.length;
        addMessage(origin, seq, body.length);
    }

    private void addMessage(MessageOrigin origin, long seq, int payloadLength) {
        int m = this.messages;
        this.origins[m] = origin;
        this.seqs[m] = seq;
        this.ends[m] = this.size + this.bodyBytes;
        this.messages = m + 1;
        this.payloadBytes += payloadLength;
    }

    /** Appends the greeting: the client's ID, its first 4 bytes. */
    void addGreeting(int clientId) {
        ensureControl(Wire.GREETING_BYTES, true);
        Wire.putInt(this.control, this.controlSize, clientId);
        this.controlSize += Wire.GREETING_BYTES;
    }

    /**
     * Appends an ERROR frame about one of the client's own SENDs.
     * @param force whether to take the memory even past the budget's limit: for an ERROR that is
     *        the outcome of a message that was itself within the budget (and so bounded by it)
     * @return false when the budget refused the memory; nothing was changed then
     */
    boolean addError(ErrorCode code, int dest, long seq, boolean force) {
        if (!ensureControl(Wire.ERROR_FRAME_BYTES, force)) {
            return false;
        }
        Wire.putError(this.control, this.controlSize, code, dest, seq);
        this.controlSize += Wire.ERROR_FRAME_BYTES;
        return true;
    }

    /** Appends the control frames of another batch, which keeps them too; never refused, see {@link #addError}. */
    void addControlOf(OutboundBatch other) {
        ensureControl(other.controlSize, true);
        System.arraycopy(other.control, 0, this.control, this.controlSize, other.controlSize);
        this.controlSize += other.controlSize;
    }

    private boolean ensureControl(int length, boolean force) {
        int needed = this.controlSize + length;
        if (needed > this.control.length) {
            int capacity = grownLength(this.control.length, needed, INITIAL_CONTROL, MAX_CONTROL);
            long more = controlCharge(capacity) - controlCharge(this.control.length);
            if (force) {
                this.budget.forceTake(more);
            }
            else if (!this.budget.tryTake(more)) {
                return false;
            }
            this.memory += more;
            this.control = Arrays.copyOf(this.control, capacity);
            this.controlView = null;
        }
        return true;
    }

    // ---- writing (by the writer, which has the batch to itself) ----

    /**
     * The batch as buffers to write in order, positioned at their starts.
     * @return the buffers; the first {@link #viewCount} of them are the batch
     */
    ByteBuffer[] views() {
        if (this.bodyCount == 0) {
            int n = 0;
            if (this.controlSize > 0) {
                this.plainViews[n++] = controlView();
            }
            if (this.size > 0) {
                this.plainViews[n++] = bytesView();
            }
            this.viewCount = n;
            return this.plainViews;
        }
        ByteBuffer[] views = new ByteBuffer[2 + 2 * this.bodyCount];
        int n = 0;
        if (this.controlSize > 0) {
            views[n++] = controlView();
        }
        int from = 0;
        for (int k = 0; k < this.bodyCount; k++) {
            views[n++] = ByteBuffer.wrap(this.bytes, from, this.bodyAt[k] - from);
            Body body = this.bodies[k];
            views[n++] = ByteBuffer.wrap(body.bytes, body.offset, body.length);
            from = this.bodyAt[k];
        }
        if (from < this.size) {
            views[n++] = ByteBuffer.wrap(this.bytes, from, this.size - from);
        }
        this.viewCount = n;
        return views;
    }

    private ByteBuffer controlView() {
        ByteBuffer view = this.controlView;
        if (view == null) {
            view = ByteBuffer.wrap(this.control);
            this.controlView = view;
        }
        return view.clear().limit(this.controlSize);
    }

    private ByteBuffer bytesView() {
        ByteBuffer view = this.bytesView;
        if (view == null) {
            view = ByteBuffer.wrap(this.bytes);
            this.bytesView = view;
        }
        return view.clear().limit(this.size);
    }

    /** How many messages have their whole frame within the first {@code streamBytes} bytes written. */
    int messagesWithin(long streamBytes) {
        long data = streamBytes - this.controlSize;
        int n = this.reported;
        while (n < this.messages && this.ends[n] <= data) {
            n++;
        }
        return n;
    }

    /** The payload bytes of messages {@code [from, to)}. */
    long payloadBytesOf(int from, int to) {
        long total = 0;
        long start = (from == 0) ? 0 : this.ends[from - 1];
        for (int i = from; i < to; i++) {
            total += this.ends[i] - start - Wire.DELIVER_HEADER_BYTES;
            start = this.ends[i];
        }
        return total;
    }

    // ---- after use ----

    /**
     * Empties the batch for reuse, releasing its bodies; keeps arrays up to a working size and
     * gives back the memory of larger ones.
     */
    void reset() {
        releaseBodies();
        if (this.control.length > RETAINED_CONTROL) {
            this.control = NO_BYTES;
            this.controlView = null;
        }
        if (this.bytes.length > RETAINED_CAPACITY) {
            this.bytes = NO_BYTES;
            this.bytesView = null;
        }
        if (this.origins.length > RETAINED_MESSAGES) {
            this.origins = NO_ORIGINS;
            this.seqs = NO_LONGS;
            this.ends = NO_LONGS;
        }
        else {
            Arrays.fill(this.origins, 0, this.messages, null);
        }
        if (this.bodies != null && this.bodies.length > RETAINED_BODIES) {
            this.bodies = null;
            this.bodyAt = null;
        }
        clearCounts();
        settleMemory();
    }

    /**
     * Gives back every array and all their memory; for an empty batch only (or one being dropped).
     * @return whether any was given back
     */
    boolean trim() {
        releaseBodies();
        boolean trimmed = false;
        if (this.control.length > 0) {
            this.control = NO_BYTES;
            this.controlView = null;
            trimmed = true;
        }
        if (this.bytes.length > 0) {
            this.bytes = NO_BYTES;
            this.bytesView = null;
            trimmed = true;
        }
        if (this.origins.length > 0) {
            this.origins = NO_ORIGINS;
            this.seqs = NO_LONGS;
            this.ends = NO_LONGS;
            trimmed = true;
        }
        if (this.bodies != null) {
            this.bodies = null;
            this.bodyAt = null;
            trimmed = true;
        }
        clearCounts();
        settleMemory();
        return trimmed;
    }

    /** The capacity of the batch's byte arrays. */
    int byteCapacity() {
        return this.control.length + this.bytes.length;
    }

    private void releaseBodies() {
        for (int k = 0; k < this.bodyCount; k++) {
            this.bodies[k].release();
            this.bodies[k] = null;
        }
        this.bodyCount = 0;
        this.bodyBytes = 0;
    }

    private void clearCounts() {
        // The views of the last write hold its arrays, which may just have been dropped.
        this.plainViews[0] = null;
        this.plainViews[1] = null;
        this.controlSize = 0;
        this.size = 0;
        this.messages = 0;
        this.payloadBytes = 0;
        this.reported = 0;
        this.controlReleased = false;
    }

    /** Gives back what the arrays no longer need. */
    private void settleMemory() {
        long now = controlCharge(this.control.length) + bytesCharge(this.bytes.length)
                + messagesCharge(this.origins.length) + bodiesCharge((this.bodies != null) ? this.bodies.length : 0);
        if (now < this.memory) {
            this.budget.give(this.memory - now);
            this.memory = now;
        }
    }

    /** Twice the current length, at least {@code initial}, at most {@code cap}, and never less than {@code needed}. */
    private static int grownLength(int current, int needed, int initial, int cap) {
        long doubled = Math.min(Math.max(2L * current, initial), cap);
        return (int) Math.min(MAX_ARRAY, Math.max(needed, doubled));
    }

    private static long bytesCharge(int length) {
        return (length > INITIAL_CAPACITY) ? length : 0;
    }

    private static long controlCharge(int length) {
        return (length > INITIAL_CONTROL) ? length : 0;
    }

    private static long messagesCharge(int capacity) {
        return (capacity > INITIAL_MESSAGES) ? (long) capacity * MESSAGE_ENTRY_BYTES : 0;
    }

    private static long bodiesCharge(int capacity) {
        return (long) capacity * BODY_ENTRY_BYTES;
    }
}
