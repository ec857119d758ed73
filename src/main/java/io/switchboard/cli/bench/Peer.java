package io.switchboard.cli.bench;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import io.switchboard.client.FrameListener;
import io.switchboard.client.SendError;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.protocol.ErrorCode;

/**
 * One client of a bench run. Its reader checks every message that arrives (sender, order,
 * every byte) and credits the sender, so that a sender knows how many of its messages are still
 * in flight: delivered or answered with an ERROR counts as resolved.
 */
final class Peer implements FrameListener {

    enum Role { NORMAL, RECEIVER, FLOODER }

    private static final ErrorCode[] ERROR_CODES = ErrorCode.values();

    /** The name an ERROR is counted under in the results, as swload names it: {@code destination_busy}. */
    static String errorName(int ordinal) {
        return ERROR_CODES[ordinal].name().toLowerCase(Locale.ROOT);
    }

    final int index;
    final Role role;
    // Set before the run starts; volatile, since readers see them from other threads.
    volatile @Nullable Peer dest;
    volatile long destId;
    volatile long id;
    @Nullable SwitchboardClient client;

    // Written by its own sender thread, read by others.
    final AtomicLong sent = new AtomicLong();
    // Of its messages: delivered to someone, or answered with an ERROR.
    final AtomicLong resolved = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    /** ERRORs to this client, by {@link ErrorCode#ordinal()}. */
    final AtomicLongArray errors = new AtomicLongArray(ERROR_CODES.length);
    /** Released when messages of this sender are resolved: wakes it when its window was full. */
    final Semaphore credit = new Semaphore(0);
    final AtomicReference<@Nullable String> connectionError = new AtomicReference<>();

    // Owned by the reader thread; read by others after readerDone.
    private final Peer[] peers;
    private final Payload payload;
    private final BenchClock clock;
    final Histogram latency = new Histogram(3);
    private final int[] lastSeq;
    long orderViolations;
    long corrupt;
    long misrouted;
    private int runSender = -1;
    private long runLength;
    private long now;
    final CountDownLatch readerDone = new CountDownLatch(1);

    Peer(int index, Role role, Peer[] peers, Payload payload, BenchClock clock) {
        this.index = index;
        this.role = role;
        this.peers = peers;
        this.payload = payload;
        this.clock = clock;
        this.lastSeq = new int[peers.length];
    }

    @Override
    public void onDeliver(long src, byte[] buffer, int offset, int length) {
        if (this.now == 0) {
            this.now = System.nanoTime(); // one clock read per socket read, as the load generator does
        }
        if (length != this.payload.size()) {
            this.corrupt++;
            return;
        }
        int sender = Payload.sender(buffer, offset);
        if (sender < 0 || sender >= this.peers.length) {
            this.corrupt++;
            return;
        }
        Peer from = this.peers[sender];
        int seq = Payload.seq(buffer, offset);
        if (from.id != src || from.dest != this) {
            this.misrouted++;
        }
        if (!this.payload.patternIntact(buffer, offset, sender, seq)) {
            this.corrupt++;
        }
        if (Integer.compareUnsigned(seq, this.lastSeq[sender]) <= 0) {
            this.orderViolations++;
        }
        this.lastSeq[sender] = seq;
        long sendTime = Payload.sendTime(buffer, offset);
        if (this.clock.inWindow(sendTime)) {
            this.latency.recordValue(Math.max(0, this.now - sendTime));
        }
        if (sender != this.runSender) {
            creditRun();
            this.runSender = sender;
        }
        this.runLength++;
    }

    @Override
    public void onReadComplete() {
        creditRun();
        this.now = 0;
    }

    /** Credits the sender of the run of messages just read, once per run rather than per message. */
    private void creditRun() {
        if (this.runLength > 0) {
            Peer from = this.peers[this.runSender];
            from.delivered.addAndGet(this.runLength);
            from.resolved.addAndGet(this.runLength);
            from.wake();
            this.runLength = 0;
        }
    }

    @Override
    public void onSendError(SendError error) {
        this.errors.incrementAndGet(error.code().ordinal());
        this.resolved.incrementAndGet();
        wake();
    }

    @Override
    public void onClosed(@Nullable IOException cause) {
        if (cause != null) {
            failed(cause);
        }
        this.readerDone.countDown();
    }

    void failed(Exception ex) {
        if (!this.clock.stopped()) {
            this.connectionError.compareAndSet(null, ex.getClass().getSimpleName() + ": " + ex.getMessage());
        }
    }

    private void wake() {
        if (this.credit.availablePermits() == 0) {
            this.credit.release();
        }
    }

    long inFlight() {
        return this.sent.get() - this.resolved.get();
    }
}
