package io.switchboard.relay;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/**
 * The blocking server connection factory, with its sweep of closed connections amortised: the
 * stock factory walks every connection on every accept, which at tens of thousands of clients
 * caps the connect rate. Closed connections are found just as surely every few hundred accepts.
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
}
