package io.switchboard.relay;

/** Where the relay listens, and whether it is accepting connections now. */
public final class RelayEndpoint {

    private final RelayServerConnectionFactory factory;

    RelayEndpoint(RelayServerConnectionFactory factory) {
        this.factory = factory;
    }

    /** The TCP port, the one chosen when configured as 0; 0 while not listening yet. */
    public int port() {
        return this.factory.getPort();
    }

    public boolean isListening() {
        return this.factory.isListening();
    }

    /** Listening, and not shutting down: a new connection gets an ID (unless max-clients is reached). */
    public boolean isAccepting() {
        return this.factory.isAccepting();
    }

    /** Shutdown has begun: the relay stopped taking connections on purpose. */
    public boolean isShuttingDown() {
        return this.factory.isStopping();
    }
}
