package io.switchboard.relay;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/** Where the relay listens, and whether it is accepting connections now. */
public final class RelayEndpoint {

    private final TcpNetServerConnectionFactory factory;

    RelayEndpoint(TcpNetServerConnectionFactory factory) {
        this.factory = factory;
    }

    /** The TCP port, the one chosen when configured as 0; 0 while not listening yet. */
    public int port() {
        return this.factory.getPort();
    }

    public boolean isListening() {
        return this.factory.isListening();
    }
}
