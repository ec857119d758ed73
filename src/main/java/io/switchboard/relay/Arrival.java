package io.switchboard.relay;

import java.net.InetAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.SendBatch;

/**
 * What a connection holds from its arrival until it closes, beyond its session: the slots it
 * takes ({@code max-clients}, {@code connections-per-address}), and in token mode the handler
 * of its HELLO, the HELLO's deadline, and whether the HELLO or the deadline decided first.
 *
 * <p>Threading: the slots are taken on the reader thread and given back by the close event's
 * thread, once (atomically); the HELLO fields are written on the reader thread before its first
 * read and read by the reader and the deadline's thread.
 */
final class Arrival {

    /** Handles the first frame of a connection not yet admitted; see {@link ConnectionLifecycle}. */
    @FunctionalInterface
    interface HelloHandler {
        void hello(RelayConnection connection, SendBatch batch);
    }

    private final AtomicBoolean clientSlot = new AtomicBoolean();
    private volatile @Nullable InetAddress addressSlot;
    private volatile @Nullable HelloHandler hello;
    private volatile @Nullable ScheduledFuture<?> deadline;
    private final AtomicBoolean decided = new AtomicBoolean();
    private volatile boolean refused;

    void holdsClientSlot() {
        this.clientSlot.set(true);
    }

    /** @return whether it held one, now given back */
    boolean releaseClientSlot() {
        return this.clientSlot.getAndSet(false);
    }

    void holdsAddressSlot(InetAddress address) {
        this.addressSlot = address;
    }

    /** @return the address whose slot it held, now given back; null when none */
    synchronized @Nullable InetAddress releaseAddressSlot() {
        InetAddress address = this.addressSlot;
        this.addressSlot = null;
        return address;
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
        if (!this.decided.compareAndSet(false, true)) {
            return false;
        }
        this.hello = null;
        cancelDeadline();
        return true;
    }

    /** Not admitted: its answer is written, and what it sends now is dropped. */
    void refused() {
        this.refused = true;
    }

    boolean isRefused() {
        return this.refused;
    }

    void cancelDeadline() {
        ScheduledFuture<?> deadline = this.deadline;
        if (deadline != null) {
            deadline.cancel(false);
            this.deadline = null;
        }
    }
}
