package io.switchboard.relay;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/**
 * The blocking server connection factory, with its sweep of closed connections amortised: the
 * stock factory walks every connection on every accept, which at tens of thousands of clients
 * caps the connect rate. Closed connections are found just as surely every few hundred accepts.
 *
 * <p>It can also stop listening while its connections stay open, which the stock factory's
 * {@code stop()} cannot: a graceful shutdown closes the door first and drains the clients after.
 *
 * <p>And its start returns only once it listens, or fails: the stock factory binds on its accept
 * thread and only logs a port already in use, which left a process that served HTTP but no relay.
 */
final class RelayServerConnectionFactory extends TcpNetServerConnectionFactory {

    private static final int ACCEPTS_PER_SWEEP = 256;

    /** How long a start waits for the accept thread to bind. */
    private static final long BIND_TIMEOUT_SECONDS = 30;

    private int acceptsSinceSweep;
    /** Counted down when the current start's bind has succeeded or failed. */
    private volatile CountDownLatch bound = new CountDownLatch(1);
    private volatile @Nullable Exception bindFailure;

    RelayServerConnectionFactory(int port) {
        super(port);
    }

    @Override
    public void start() {
        if (isRunning()) {
            return;
        }
        CountDownLatch latch = new CountDownLatch(1);
        this.bound = latch;
        this.bindFailure = null;
        super.start();
        try {
            if (!latch.await(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The relay did not listen on TCP port " + getPort() + " within "
                        + BIND_TIMEOUT_SECONDS + " s");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while the relay was binding TCP port " + getPort(), ex);
        }
        Exception failure = this.bindFailure;
        if (failure != null) {
            throw new IllegalStateException("The relay cannot listen on TCP port " + getPort() + " (switchboard.tcp.port): "
                    + failure.getMessage(), failure);
        }
    }

    @Override
    protected void setListening(boolean listening) {
        super.setListening(listening);
        if (listening) {
            this.bound.countDown();
        }
    }

    @Override
    protected void publishServerExceptionEvent(Exception cause) {
        if (!isListening() && this.bound.getCount() > 0) {
            this.bindFailure = cause;
            this.bound.countDown();
        }
        super.publishServerExceptionEvent(cause);
    }

    @Override
    protected void harvestClosedConnections() {
        // Only the accepting thread calls this.
        if (++this.acceptsSinceSweep >= ACCEPTS_PER_SWEEP) {
            this.acceptsSinceSweep = 0;
            super.harvestClosedConnections();
        }
    }

    /** Whether {@link #stopListening()} was called. */
    boolean isStopping() {
        return isShuttingDown();
    }

    /** Whether new connections are taken now. */
    boolean isAccepting() {
        return isListening() && !isShuttingDown();
    }

    /**
     * Closes the listening socket, so that the kernel refuses new connections rather than
     * queueing them, and closes any accepted meanwhile; open connections are left alone.
     */
    void stopListening() {
        beforeShutdown();
        // Inactive first: closing a channel's server socket fails the accept with an
        // AsynchronousCloseException, which an active factory takes for an error and answers by
        // stopping, and so closing every connection before they drain.
        setActive(false);
        ServerSocket socket = getServerSocket();
        if (socket != null) {
            try {
                socket.close();
            }
            catch (IOException ex) {
                logger.debug("Closing the listening socket failed: " + ex);
            }
        }
    }
}
