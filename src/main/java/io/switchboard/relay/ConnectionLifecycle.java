package io.switchboard.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.event.EventListener;
import org.springframework.integration.ip.tcp.connection.TcpConnectionCloseEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionOpenEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.Wire;

/**
 * Turns Spring Integration's connection events into clients. An open connection takes a slot of
 * {@code max-clients} and of its address's {@code connections-per-address}, or is closed at once
 * without an ID; then it is admitted: at once, or in token mode once its HELLO is checked
 * (PROTOCOL.md section 8). Admitted, it gets an ID (its token's stable ID, taken over from an
 * older connection if need be, or one from the node's {@link IdScheme}), a queue with its
 * greeting and a writer. A connection that is not admitted gets greeting 0 and AUTH_FAILED, then
 * is closed. A closed one leaves the registry, its slots are freed, and its queued messages end
 * as DESTINATION_GONE.
 *
 * <p>Threading: the open event is published on the connection's reader thread before its first
 * read, so a client is registered before any of its frames is routed; the HELLO is handled on
 * that thread too, the HELLO's deadline on {@link HelloDeadlines}'s, and whichever comes first
 * decides ({@link Arrival#decide()}).
 */
public final class ConnectionLifecycle {

    private static final Log logger = LogFactory.getLog(ConnectionLifecycle.class);

    /** How long a newer connection with a stable ID waits for the older one to leave. */
    private static final Duration TAKE_OVER_PATIENCE = Duration.ofSeconds(10);

    private final ClientRegistry registry;
    private final IdAllocator ids;
    private final RelayMetrics metrics;
    private final MemoryBudget budget;
    private final long maxQueuedBytes;
    private final long maxPayloadBytes;
    private final int maxClients;
    private final RelayProperties.Limits limits;
    private final AddressLimit addresses;
    private final @Nullable ConnectAuthenticator authenticator;
    private final @Nullable HelloDeadlines deadlines;
    private final ThrottledLog authFailures;
    private final AtomicInteger admitted = new AtomicInteger();
    /** Guard the claim and the release of stable IDs, by ID; see {@link #registerStable}. */
    private final Object[] stableIdLocks = new Object[256];
    private volatile boolean accepting = true;

    ConnectionLifecycle(ClientRegistry registry, IdAllocator ids, RelayMetrics metrics, MemoryBudget budget,
            RelayProperties properties, @Nullable ConnectAuthenticator authenticator, @Nullable HelloDeadlines deadlines) {
        this.registry = registry;
        this.ids = ids;
        this.metrics = metrics;
        this.budget = budget;
        this.maxQueuedBytes = properties.maxQueuedBytes().toBytes();
        this.maxPayloadBytes = properties.maxPayloadBytes().toBytes();
        this.maxClients = properties.maxClients();
        this.limits = properties.limits();
        this.addresses = new AddressLimit(this.limits.connectionsPerAddress());
        this.authenticator = authenticator;
        this.deadlines = deadlines;
        Arrays.setAll(this.stableIdLocks, (i) -> new Object());
        metrics.connectionsOpen(this.admitted);
        this.authFailures = new ThrottledLog(logger, (connections, ignored) -> connections
                + " connections were not admitted (switchboard.auth.mode=token); each reason is counted in"
                + " switchboard_auth_failures_total and logged at DEBUG");
    }

    @EventListener
    void opened(TcpConnectionOpenEvent event) {
        if (!(event.getSource() instanceof RelayConnection connection)) {
            return;
        }
        RelayMetrics.Rejection refused = takeSlots(connection);
        if (refused != null) {
            this.metrics.rejected(refused);
            connection.close();
            return;
        }
        // Under TLS the handshake now, holding the slots: a connection that stalls its handshake
        // counts against max-clients and its address's limit like any other.
        if (!connection.handshake()) {
            connection.close();
            return;
        }
        if (this.authenticator == null) {
            admit(connection, ClientIdentity.ANONYMOUS);
            return;
        }
        // The HELLO alone, under its own limit; the frames after it wait in the reader's buffer.
        connection.reader().limitNextFrame(Wire.MAX_TOKEN_BYTES);
        connection.arrival().awaitHello(this::hello);
        connection.arrival().helloDeadline(
                this.deadlines.schedule(() -> helloTimedOut(connection), this.authenticator.helloTimeout()));
    }

    /** Takes the connection's slots; the reason it is refused, or null. */
    private RelayMetrics.@Nullable Rejection takeSlots(RelayConnection connection) {
        if (!this.accepting) {
            return RelayMetrics.Rejection.SHUTTING_DOWN;
        }
        if (this.admitted.incrementAndGet() > this.maxClients) {
            this.admitted.decrementAndGet();
            return RelayMetrics.Rejection.MAX_CLIENTS;
        }
        Arrival arrival = connection.arrival();
        if (!arrival.holdClientSlot()) {
            // Closed meanwhile (the relay is shutting down): its close found no slot to give back.
            this.admitted.decrementAndGet();
            return RelayMetrics.Rejection.SHUTTING_DOWN;
        }
        InetSocketAddress address = connection.remoteAddress();
        if (this.addresses.isOn() && address != null) {
            if (!this.addresses.tryAcquire(address.getAddress())) {
                return RelayMetrics.Rejection.PER_ADDRESS;
            }
            if (!arrival.holdAddressSlot(address.getAddress())) {
                this.addresses.release(address.getAddress());
                return RelayMetrics.Rejection.SHUTTING_DOWN;
            }
        }
        return null;
    }

    /**
     * The first frame of a connection that has not been admitted, its HELLO (or the header of a
     * first frame over the token's limit). Called on the connection's reader thread.
     */
    private void hello(RelayConnection connection, SendBatch batch) {
        if (!connection.arrival().decide()) {
            // The deadline came first.
            return;
        }
        byte[] bytes = batch.bytes();
        ClientIdentity identity;
        try {
            if (batch.frames() == 0) {
                throw (batch.oversizedDest() != Wire.OPERATOR_ID)
                        ? new ConnectAuthenticator.Refusal(ConnectAuthenticator.Failure.NOT_HELLO,
                                "dest " + batch.oversizedDest())
                        : new ConnectAuthenticator.Refusal(ConnectAuthenticator.Failure.TOO_LARGE, null);
            }
            int dest = Wire.getInt(bytes, 0);
            if (dest != Wire.OPERATOR_ID) {
                throw new ConnectAuthenticator.Refusal(ConnectAuthenticator.Failure.NOT_HELLO,
                        "dest " + Integer.toUnsignedLong(dest));
            }
            identity = this.authenticator.authenticate(bytes, Wire.SEND_HEADER_BYTES, Wire.getInt(bytes, 4));
        }
        catch (ConnectAuthenticator.Refusal refusal) {
            refuse(connection, refusal);
            // On the reader's thread: drop what the client still sends, unparsed, then close.
            connection.drainAndClose();
            return;
        }
        admit(connection, identity);
    }

    /** On the deadlines' thread, which must never wait on a connection: see {@link #refuse}. */
    private void helloTimedOut(RelayConnection connection) {
        if (connection.arrival().decide()) {
            // The reader is blocked in a read: whatever it reads next makes it drain and close
            // (InboundFramesMapper); a client that sends nothing more is closed by refuse's bound.
            refuse(connection, new ConnectAuthenticator.Refusal(ConnectAuthenticator.Failure.TIMEOUT, null));
        }
    }

    /**
     * Greeting 0, then AUTH_FAILED, then this side's end of the stream: the reason is logged
     * and counted, not sent. The answer is written on a virtual thread of the connection's own:
     * a write can wait (under TLS, on the session's lock, which the reader holds while it answers
     * the client's key updates into a socket the client does not read), and neither the reader
     * nor the deadlines' thread may. The connection is closed after {@link RelayConnection#LINGER}
     * whatever happens, which also ends a write still waiting; its reader closes it sooner once
     * the client has read the answer and closed its side. Not at once: closing a socket with
     * bytes from the client unread in it resets the connection, and a reset can lose the answer
     * before the client reads it.
     */
    private void refuse(RelayConnection connection, ConnectAuthenticator.Refusal refusal) {
        this.metrics.authFailed(refusal.failure());
        if (logger.isDebugEnabled()) {
            logger.debug("Not admitting " + connection.getHostAddress() + ": " + refusal.getMessage());
        }
        this.authFailures.record(1, 0);
        byte[] answer = new byte[Wire.GREETING_BYTES + Wire.ERROR_FRAME_BYTES];
        Wire.putError(answer, Wire.GREETING_BYTES, ErrorCode.AUTH_FAILED, 0, 0);
        Thread.ofVirtual().name("refusal-" + connection.getConnectionId()).start(() -> connection.refuse(answer));
        this.deadlines.schedule(connection::close, RelayConnection.LINGER);
    }

    /** Gives the connection its ID, queue and writer; or closes it when there is no ID to give. */
    private void admit(RelayConnection connection, ClientIdentity token) {
        ClientIdentity identity = token.withCertificateSubject(connection.tlsSubject());
        SendRate rate = this.limits.limitsRate()
                ? new SendRate(this.limits.messagesPerSecond(), this.limits.bytesPerSecond().toBytes(), this.maxPayloadBytes)
                : null;
        ClientSession session;
        try {
            session = (identity.stableId() != 0) ? registerStable(connection, identity, rate)
                    : registerAssigned(connection, identity, rate);
        }
        catch (IllegalStateException ex) {
            // No ID to give (none free, or a cluster's allocator cannot reach its store): refused like a full node.
            logger.warn("Closing a new connection without an ID: " + ex.getMessage());
            this.metrics.rejected(RelayMetrics.Rejection.NO_ID);
            connection.close();
            return;
        }
        connection.attach(session);
        this.metrics.accepted();
        Thread.ofVirtual().name("writer-" + session.idAsLong()).start(new ClientWriter(session));
        if (!connection.isOpen()) {
            // Closed before it was attached: its close event found no session.
            forget(session);
        }
    }

    private ClientSession registerAssigned(RelayConnection connection, ClientIdentity identity, @Nullable SendRate rate) {
        ClientSession session;
        do {
            int id = this.ids.allocate(this.registry::contains);
            session = new ClientSession(id, connection, this.maxQueuedBytes, this.metrics, this.budget, identity, rate);
        }
        while (!this.registry.add(session));
        return session;
    }

    /**
     * A stable ID: newest wins. The older connection with it, on this node or another, is
     * disconnected as if by the operator before this one is greeted. Claiming the ID (registry
     * and allocator) and the older connection's release of it hold the ID's lock, so that a
     * release never undoes the newer claim; the wait for the older connection to leave does not.
     * @throws IllegalStateException when the ID cannot be claimed (a cluster's store is out of
     *         reach), or an older connection with it does not leave in time: nothing is held then
     */
    private ClientSession registerStable(RelayConnection connection, ClientIdentity identity, @Nullable SendRate rate) {
        int id = identity.stableId();
        ClientSession session = new ClientSession(id, connection, this.maxQueuedBytes, this.metrics, this.budget,
                identity, rate);
        long giveUpAt = System.nanoTime() + TAKE_OVER_PATIENCE.toNanos();
        while (true) {
            synchronized (stableIdLock(id)) {
                if (this.registry.add(session)) {
                    try {
                        this.ids.takeOver(id);
                    }
                    catch (RuntimeException ex) {
                        this.registry.remove(session);
                        throw ex;
                    }
                    return session;
                }
            }
            ClientSession older = this.registry.get(id);
            if (older != null) {
                logger.debug("Client " + session + " replaces an older connection with its stable ID");
                // Its close event takes it out of the registry, on this thread unless another
                // thread is closing it already: then that thread does, in a moment.
                older.disconnect();
            }
            if (System.nanoTime() - giveUpAt > 0) {
                throw new IllegalStateException("the older connection with stable ID " + id + " did not close within "
                        + TAKE_OVER_PATIENCE.toSeconds() + " s");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private Object stableIdLock(int id) {
        return this.stableIdLocks[id & (this.stableIdLocks.length - 1)];
    }

    @EventListener
    void closed(TcpConnectionCloseEvent event) {
        if (event.getSource() instanceof RelayConnection connection) {
            Arrival arrival = connection.arrival();
            arrival.cancelDeadline();
            ClientSession session = connection.session();
            if (session != null) {
                forget(session);
            }
            Arrival.Slots slots = arrival.close();
            if (slots.client()) {
                this.admitted.decrementAndGet();
            }
            if (slots.address() != null) {
                this.addresses.release(slots.address());
            }
        }
    }

    private void forget(ClientSession session) {
        if (!session.closed()) {
            return;
        }
        if (!session.isStable()) {
            this.registry.remove(session);
            this.ids.release(session.id());
            return;
        }
        synchronized (stableIdLock(session.id())) {
            this.registry.remove(session);
            if (!this.registry.contains(session.id())) {
                // Not taken over meanwhile by a newer connection, whose claim this would undo.
                this.ids.release(session.id());
            }
        }
    }

    @EventListener
    void listening(TcpConnectionServerListeningEvent event) {
        logger.info("Relay listening on TCP port " + event.getPort()
                + ((this.authenticator != null) ? " (token mode: a client's first frame must be a HELLO with a connect token)" : ""));
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
