package io.switchboard.relay;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;

/**
 * One connected client: its ID, its connection, its outbound queue and its counters.
 *
 * <p>The counters have a single writer each (the client's reader for the "in" pair, its writer
 * for the "out" pair), so they are plain volatile fields updated once per batch, read by anyone
 * without a lock.
 */
public final class ClientSession implements MessageOrigin {

    private final int id;
    private final RelayConnection connection;
    private final RelayMetrics metrics;
    private final OutboundQueue queue;
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

    ClientSession(int id, RelayConnection connection, long maxQueuedBytes, RelayMetrics metrics) {
        this.id = id;
        this.connection = connection;
        this.metrics = metrics;
        this.queue = new OutboundQueue(id, maxQueuedBytes);
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
        this.messagesOut += messages;
        this.bytesOut += bytes;
        this.metrics.delivered(messages, bytes);
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
    }

    @Override
    public void failed(ErrorCode code, int dest, long seq) {
        if (this.queue.offerError(code, dest, seq, false)) {
            this.metrics.error(code);
        }
    }

    @Override
    public String toString() {
        return "client " + idAsLong();
    }
}
