package io.switchboard.relay;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.event.EventListener;
import org.springframework.integration.ip.tcp.connection.TcpConnectionCloseEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionOpenEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;

/**
 * Turns Spring Integration's connection events into clients: an open connection gets an ID, a
 * queue with its greeting and a writer, or is closed at once when this node is full or shutting
 * down; a closed one leaves the registry and its queued messages end as DESTINATION_GONE.
 *
 * <p>The open event is published on the connection's reader thread before its first read, so a
 * client is registered before any of its frames is routed.
 */
public final class ConnectionLifecycle {

    private static final Log logger = LogFactory.getLog(ConnectionLifecycle.class);

    private final ClientRegistry registry;
    private final IdAllocator ids;
    private final RelayMetrics metrics;
    private final MemoryBudget budget;
    private final long maxQueuedBytes;
    private final int maxClients;
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean accepting = true;

    ConnectionLifecycle(ClientRegistry registry, IdAllocator ids, RelayMetrics metrics, MemoryBudget budget,
            RelayProperties properties) {
        this.registry = registry;
        this.ids = ids;
        this.metrics = metrics;
        this.budget = budget;
        this.maxQueuedBytes = properties.maxQueuedBytes().toBytes();
        this.maxClients = properties.maxClients();
    }

    @EventListener
    void opened(TcpConnectionOpenEvent event) {
        if (!(event.getSource() instanceof RelayConnection connection)) {
            return;
        }
        if (!admit()) {
            reject(connection);
            return;
        }
        ClientSession session;
        do {
            int id;
            try {
                id = this.ids.allocate(this.registry::contains);
            }
            catch (IllegalStateException ex) {
                // No ID to give (none free, or a cluster's allocator cannot reach its store): refused like a full node.
                logger.warn("Closing a new connection without an ID: " + ex.getMessage());
                this.admitted.decrementAndGet();
                reject(connection);
                return;
            }
            session = new ClientSession(id, connection, connection.tlsSubject(), this.maxQueuedBytes, this.metrics,
                    this.budget);
        }
        while (!this.registry.add(session));
        connection.attach(session);
        this.metrics.accepted();
        Thread.ofVirtual().name("writer-" + session.idAsLong()).start(new ClientWriter(session));
        if (!connection.isOpen()) {
            // Closed before it was attached: its close event found no session.
            forget(session);
        }
    }

    @EventListener
    void closed(TcpConnectionCloseEvent event) {
        if (event.getSource() instanceof RelayConnection connection) {
            ClientSession session = connection.session();
            if (session != null) {
                forget(session);
            }
        }
    }

    /** Closes a connection without an ID: PROTOCOL.md section 1's answer when the node cannot take it. */
    private void reject(RelayConnection connection) {
        this.metrics.rejected();
        connection.close();
    }

    private boolean admit() {
        if (!this.accepting) {
            return false;
        }
        if (this.admitted.incrementAndGet() > this.maxClients) {
            this.admitted.decrementAndGet();
            return false;
        }
        return true;
    }

    private void forget(ClientSession session) {
        if (session.closed()) {
            this.registry.remove(session);
            this.ids.release(session.id());
            this.admitted.decrementAndGet();
        }
    }

    @EventListener
    void listening(TcpConnectionServerListeningEvent event) {
        logger.info("Relay listening on TCP port " + event.getPort());
    }

    /** New connections are closed without an ID from now on. */
    public void stopAccepting() {
        this.accepting = false;
    }

    /** New connections are admitted again. */
    void startAccepting() {
        this.accepting = true;
    }
}
