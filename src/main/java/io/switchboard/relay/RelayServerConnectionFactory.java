package io.switchboard.relay;

import java.io.IOException;
import java.net.ServerSocket;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/**
 * The blocking server connection factory, with its sweep of closed connections amortised: the
 * stock factory walks every connection on every accept, which at tens of thousands of clients
 * caps the connect rate. Closed connections are found just as surely every few hundred accepts.
 *
 * <p>It can also stop listening while its connections stay open, which the stock factory's
 * {@code stop()} cannot: a graceful shutdown closes the door first and drains the clients after.
 */
final class RelayServerConnectionFactory extends TcpNetServerConnectionFactory {

    private static final int ACCEPTS_PER_SWEEP = 256;

    private int acceptsSinceSweep;

    RelayServerConnectionFactory(int port) {
        super(port);
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
