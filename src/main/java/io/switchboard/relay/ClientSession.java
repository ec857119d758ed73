package io.switchboard.relay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;

/**
 * One connected client: its ID, its connection, its outbound queue and its counters, and the
 * state of its close.
 *
 * <p>The counters have a single writer each (the client's reader for the "in" pair, its writer
 * for the "out" pair), so they are plain volatile fields updated once per batch, read by anyone
 * without a lock.
 *
 * <p>Closing (PROTOCOL.md section 5): the connection closes only once the client's own traffic
 * is finished: its reader has stopped (the client closed its side, the server stopped reading
 * it, or its frame was too large), every SEND it sent has its outcome ({@link #inFlight} is 0),
 * and its queue is written; or when something cuts that short (a reset, an eviction, the
 * operator, the end of a grace). {@link #inFlight} is added to by the reader, once per read,
 * and taken from by whoever reports an outcome, from any thread.
 */
public final class ClientSession implements MessageOrigin {

    private static final VarHandle IN_FLIGHT;
    private static final VarHandle READER_DONE;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(ClientSession.class, "inFlight", long.class);
            READER_DONE = MethodHandles.lookup().findVarHandle(ClientSession.class, "readerDone", boolean.class);
        }
        catch (ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int id;
    private final RelayConnection connection;
    private final RelayMetrics metrics;
    private final OutboundQueue queue;
    /** Who the client proved to be (ADMIN-API.md, "subject"); null when nobody said. */
    private final @Nullable String subject;
    /** Whether its ID is its token's {@code sid}, which a newer connection takes over. */
    private final boolean stable;
    /** Whom it may send to; null when anyone. Only its reader uses it. */
    private final @Nullable SendPermission permission;
    /** Its rate limits; null when none. Only its reader uses it. */
    private final @Nullable SendRate rate;
    private final Instant connectedAt = Instant.now();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    /** The number of the last SEND read from this client; only its reader touches it. */
    private long lastSeq;
    /** Only its reader touches it, like {@link #lastSeq}. */
    private @Nullable ClientSession lastTarget;

    private volatile long messagesIn;
    private volatile long bytesIn;
    private volatile long messagesOut;
    private volatile long bytesOut;

    /** SENDs of this client taken by a queue (here or on another node) and still without an outcome. */
    @SuppressWarnings("unused") // through IN_FLIGHT
    private volatile long inFlight;
    /** The reader reads no more from this client; what it read is routed. Set once, by {@link #inputEnded}. */
    private volatile boolean readerDone;
    /** The queue drains, and the connection closes once this client is finished. */
    private volatile boolean draining;
    /** A shutdown drains this client: it keeps taking DELIVERs, and its deadline is the shutdown's. */
    private volatile boolean shutdownDrain;
    /** When the client began to close its session itself; 0 otherwise. */
    private volatile long closingSinceNanos;
    /** Until when its reader waits, or last waited, for its rate; 0 when it never did. */
    private volatile long throttledUntilNanos;

    ClientSession(int id, RelayConnection connection, long maxQueuedBytes, RelayMetrics metrics, MemoryBudget budget,
            ClientIdentity identity, @Nullable SendRate rate) {
        this.id = id;
        this.connection = connection;
        this.metrics = metrics;
        this.queue = new OutboundQueue(id, maxQueuedBytes, budget, this::finished);
        this.subject = identity.subject();
        this.permission = (identity.sendTo() != null) ? new SendPermission(identity.sendTo()) : null;
        this.stable = identity.stableId() != 0;
        this.rate = rate;
    }

    /** The client's ID, an unsigned 32-bit value. */
    public int id() {
        return this.id;
    }

    public long idAsLong() {
        return Integer.toUnsignedLong(this.id);
    }

    public Instant connectedAt() {
        return this.connectedAt;
    }

    /** The client's address, {@code host:port} ({@code [v6]:port} for IPv6). */
    public String remoteAddress() {
        InetSocketAddress address = this.connection.remoteAddress();
        if (address == null) {
            return "";
        }
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    public long messagesIn() {
        return this.messagesIn;
    }

    public long bytesIn() {
        return this.bytesIn;
    }

    public long messagesOut() {
        return this.messagesOut;
    }

    public long bytesOut() {
        return this.bytesOut;
    }

    public long queuedBytes() {
        return this.queue.queuedBytes();
    }

    /** Whether its ID is its connect token's {@code sid}. */
    boolean isStable() {
        return this.stable;
    }

    /** Its token's {@code sub}, else its TLS client certificate's subject (RFC 2253), else null. */
    public @Nullable String subject() {
        return this.subject;
    }

    /** Whether its reader waits for its rate now, or did within the last second. */
    public boolean isThrottled() {
        long until = this.throttledUntilNanos;
        return until != 0 && System.nanoTime() - until < 1_000_000_000L;
    }

    @Nullable SendPermission permission() {
        return this.permission;
    }

    @Nullable SendRate rate() {
        return this.rate;
    }

    /** Its reader waits {@code nanos} for its rate, from now. */
    void throttle(long nanos) {
        this.throttledUntilNanos = System.nanoTime() + nanos;
    }

    /**
     * Whether its reader should stop waiting for its rate: the connection is closing, or the
     * relay shuts down. What it has read is then routed at once, so that it keeps its outcome.
     */
    boolean endsThrottle() {
        return this.shutdownDrain || this.closing.get();
    }

    public boolean isClosed() {
        return this.closed.getCount() == 0;
    }

    OutboundQueue queue() {
        return this.queue;
    }

    RelayConnection connection() {
        return this.connection;
    }

    long nextSeq() {
        return ++this.lastSeq;
    }

    long lastSeq() {
        return this.lastSeq;
    }

    void lastSeq(long seq) {
        this.lastSeq = seq;
    }

    /**
     * The destination this client last sent to, when it is {@code dest} and still connected:
     * clients mostly talk to one peer at a time, and this saves the registry look-up.
     */
    @Nullable ClientSession cachedTarget(int dest) {
        ClientSession target = this.lastTarget;
        return (target != null && target.id == dest && !target.isClosed()) ? target : null;
    }

    void cacheTarget(@Nullable ClientSession target) {
        this.lastTarget = target;
    }

    void countIn(long messages, long bytes) {
        this.messagesIn += messages;
        this.bytesIn += bytes;
    }

    void countOut(long messages, long bytes) {
        if (messages > 0) {
            this.messagesOut += messages;
            this.bytesOut += bytes;
            this.metrics.delivered(messages, bytes);
        }
    }

    /** The reader had {@code messages} of this client's SENDs taken; each reports its outcome here later. */
    void routed(long messages) {
        if (messages > 0) {
            IN_FLIGHT.getAndAdd(this, messages);
        }
    }

    /** Nothing more of this client's own can reach its queue: its reader is done and every SEND has its outcome. */
    boolean finished() {
        return this.readerDone && (long) IN_FLIGHT.getVolatile(this) == 0;
    }

    /**
     * The reader reads no more from this client: the client closed its side (or the whole
     * connection), or its frame was too large, or a shutdown stopped reading it. What it read is
     * routed. The queue is written until this client is finished, then the connection closes;
     * unless a shutdown drains it, DELIVERs to it end as DESTINATION_GONE from now on.
     * Called on the reader's thread, or on the shutdown's when it stopped a reader blocked in a
     * read ({@link #drainForShutdown}); that reader may then still end its stream and call it too,
     * and only the first call counts.
     */
    void inputEnded() {
        if (!READER_DONE.compareAndSet(this, false, true)) {
            return;
        }
        this.draining = true;
        if (this.shutdownDrain) {
            this.queue.wake();
        }
        else {
            this.closingSinceNanos = System.nanoTime();
            this.queue.drain(true);
        }
    }

    /**
     * Shutdown: the queue keeps taking DELIVERs and is written until this client is finished;
     * reading stops, so that nothing new arrives from the client. Called on the shutdown's thread.
     */
    void drainForShutdown() {
        this.shutdownDrain = true;
        this.draining = true;
        this.queue.drain(false);
        if (!this.readerDone && this.connection.stopReading()) {
            // The reader waits in a read, with everything it read routed: the client's input ends
            // now, rather than when the client next sends, which an idle client may never do.
            inputEnded();
        }
    }

    /** When this client began to close its session itself, as {@link System#nanoTime()}; 0 when it has not. */
    long closingSinceNanos() {
        return this.closingSinceNanos;
    }

    /** Closes the connection now; what is still queued ends as DESTINATION_GONE. */
    public void disconnect() {
        this.connection.close();
    }

    /**
     * Called when the connection has closed, whoever closed it.
     * @return true the first time only
     */
    boolean closed() {
        if (!this.closing.compareAndSet(false, true)) {
            return false;
        }
        this.queue.close();
        this.closed.countDown();
        return true;
    }

    boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
        return this.closed.await(timeout, unit);
    }

    @Override
    public void delivered(int dest, long seq) {
        // A client learns of delivery from the absence of an ERROR.
        outcomes(1);
    }

    /** A client counts its outcomes and needs no seqs: any {@code count} of its messages, not only consecutive ones. */
    @Override
    public void delivered(int dest, long firstSeq, int count) {
        outcomes(count);
    }

    @Override
    public void failed(ErrorCode code, int dest, long seq) {
        if (this.queue.offerError(code, dest, seq, false) == Admission.QUEUED) {
            this.metrics.error(code);
        }
        outcomes(1);
    }

    private void outcomes(long count) {
        long left = (long) IN_FLIGHT.getAndAdd(this, -count) - count;
        if (left == 0 && this.draining) {
            this.queue.wake();
        }
    }

    @Override
    public String toString() {
        return "client " + idAsLong();
    }
}
