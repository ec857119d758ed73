package io.switchboard.relay;

import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledFuture;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.SendBatch;

/**
 * What a connection holds from its arrival until it closes, beyond its session: the slots it
 * takes ({@code max-clients}, {@code connections-per-address}), and in token mode the handler
 * of its HELLO, the HELLO's deadline, and whether the HELLO or the deadline decided first.
 *
 * <p>Threading: the slots are taken on the reader thread and given back by the close event's
 * thread, once, under this object's lock, which also tells a reader that takes a slot after the
 * close that it must give it back itself; the HELLO fields are written on the reader thread
 * before its first read and read by the reader and the deadline's thread.
 */
final class Arrival {

    /** Handles the first frame of a connection not yet admitted; see {@link ConnectionLifecycle}. */
    @FunctionalInterface
    interface HelloHandler {
        void hello(RelayConnection connection, SendBatch batch);
    }

    /** Guarded by this object's lock, with {@link #clientSlot} and {@link #addressSlot}: set at the close. */
    private boolean closed;
    private boolean clientSlot;
    private @Nullable InetAddress addressSlot;
    private volatile @Nullable HelloHandler hello;
    private volatile @Nullable ScheduledFuture<?> deadline;
    /** Guarded by this object's lock: whether the HELLO or its deadline has decided. */
    private boolean decided;
    private final CountDownLatch answered = new CountDownLatch(1);

    /** The slots a closed connection gave back: its {@code max-clients} slot, and its address's if it held one. */
    record Slots(boolean client, @Nullable InetAddress address) {
    }

    /** @return false when the connection has closed meanwhile: the caller gives the slot back itself */
    synchronized boolean holdClientSlot() {
        if (this.closed) {
            return false;
        }
        this.clientSlot = true;
        return true;
    }

    /** @return false when the connection has closed meanwhile: the caller gives the slot back itself */
    synchronized boolean holdAddressSlot(InetAddress address) {
        if (this.closed) {
            return false;
        }
        this.addressSlot = address;
        return true;
    }

    /** The connection has closed: the slots it held, given back once. */
    synchronized Slots close() {
        this.closed = true;
        Slots held = new Slots(this.clientSlot, this.addressSlot);
        this.clientSlot = false;
        this.addressSlot = null;
        return held;
    }

    void awaitHello(HelloHandler handler) {
        this.hello = handler;
    }

    @Nullable HelloHandler helloHandler() {
        return this.hello;
    }

    void helloDeadline(@Nullable ScheduledFuture<?> deadline) {
        this.deadline = deadline;
    }

    /**
     * The HELLO and its deadline race: the first to call this decides, and the HELLO's handler is
     * not called again.
     * @return true the first time only
     */
    boolean decide() {
        synchronized (this) {
            if (this.decided) {
                return false;
            }
            this.decided = true;
        }
        this.hello = null;
        cancelDeadline();
        return true;
    }

    /** Not admitted: its answer has been written, or could not be. */
    void answered() {
        this.answered.countDown();
    }

    /** Waits up to {@code nanos} for {@link #answered}. */
    void awaitAnswered(long nanos) {
        try {
            this.answered.await(nanos, TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    void cancelDeadline() {
        ScheduledFuture<?> deadline = this.deadline;
        if (deadline != null) {
            deadline.cancel(false);
            this.deadline = null;
        }
    }
}
