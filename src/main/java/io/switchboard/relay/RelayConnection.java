package io.switchboard.relay;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

import io.switchboard.protocol.SendBatchReader;

/**
 * A client's connection: Spring Integration's blocking connection, which reads on its own
 * virtual thread and publishes the open and close events, plus this connection's
 * {@link SendBatchReader}, direct access to the socket's channel for the client's
 * {@link ClientWriter}, and the close paths of PROTOCOL.md section 5.
 *
 * <p>The writer bypasses {@link #send}: that path wraps the socket in a
 * {@code BufferedOutputStream} as large as the socket's send buffer (megabytes per client on
 * Linux) and copies every batch through it, while our batches are already coalesced.
 *
 * <p>When reading ends, Spring Integration closes the connection at once. Here the end of the
 * client's stream (a half-close or a close) only ends the reading: what was read in full has
 * been routed, and the client's writer writes what is queued for it and closes the connection
 * once the client's own traffic is finished. Any other end of reading (a reset, a close from
 * this side) closes at once. Either is routine for a relay and logged at DEBUG only, so that
 * clients cannot fill the log.
 */
public final class RelayConnection extends TcpNetConnection {

    private static final Log logger = LogFactory.getLog(RelayConnection.class);

    /** How long a close in order waits for the client to close its side, reading what it sends. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private final Socket socket;
    /** The TLS session over the socket, when the relay port speaks TLS; {@link #socket} is then the session's. */
    private final @Nullable TlsTransport tls;
    private final SendBatchReader reader;
    private final Arrival arrival = new Arrival();
    private volatile @Nullable ClientSession session;
    /** Made on the first read; only the connection's own reader thread reads. */
    private @Nullable Input input;

    RelayConnection(Socket socket, @Nullable TlsTransport tls, boolean server, boolean lookupHost,
            @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName, long maxPayloadBytes,
            MemoryBudget budget, MemoryRelief relief) {
        super((tls != null) ? tls.socket() : socket, server, lookupHost, publisher, factoryName);
        this.socket = (tls != null) ? tls.socket() : socket;
        this.tls = tls;
        this.reader = new SendBatchReader(maxPayloadBytes, SendBatchReader.DEFAULT_READ_LIMIT,
                new ReaderMemory(budget, relief, this));
    }

    @Nullable ClientSession session() {
        return this.session;
    }

    void attach(ClientSession session) {
        this.session = session;
    }

    /** Its slots, and in token mode the handling of its HELLO. */
    Arrival arrival() {
        return this.arrival;
    }

    /**
     * Writes the answer of a connection that is not admitted (greeting 0, AUTH_FAILED) and ends
     * this side of the stream; the caller closes it. Nothing else writes to a connection before
     * it is admitted, but under TLS the write can wait for the session's lock, so this runs on a
     * thread that may wait (see ConnectionLifecycle.refuse), until the connection is closed.
     */
    void refuse(byte[] answer) {
        try {
            if (this.tls != null) {
                this.tls.answerAndShutdownOutput(answer);
            }
            else {
                this.socket.getOutputStream().write(answer);
                this.socket.shutdownOutput();
            }
        }
        catch (IOException ex) {
            // The client has gone already, or the connection was closed meanwhile.
            close();
        }
        finally {
            this.arrival.answered();
        }
    }

    /**
     * A connection that is not admitted, on its reader thread: drops what the client still
     * sends, unparsed, until it closes its side or {@link #LINGER} has passed, lets the answer be
     * written meanwhile (see {@link #refuse}), and closes.
     */
    void drainAndClose() {
        long deadline = System.nanoTime() + LINGER.toNanos();
        try {
            dropInputUntil(deadline);
        }
        catch (IOException ex) {
            // Reset, timed out, or closed at the linger's end.
        }
        this.arrival.awaitAnswered(Math.max(0, deadline - System.nanoTime()));
        close();
    }

    /** Reads and drops what the client sends until it closes its side or {@code deadline} passes. */
    private void dropInputUntil(long deadline) throws IOException {
        byte[] dropped = new byte[4096];
        InputStream in = this.socket.getInputStream();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            this.socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (in.read(dropped) < 0) {
                return;
            }
        }
    }

    /**
     * Under TLS, the handshake, on this reader thread, within the handshake timeout; true at once
     * on plain TCP. A connection that does not complete it never becomes a client (PROTOCOL.md
     * section 7): the caller closes it.
     */
    boolean handshake() {
        return this.tls == null || this.tls.handshake();
    }

    /** The TLS session, or null on plain TCP. */
    @Nullable TlsTransport tls() {
        return this.tls;
    }

    /** The subject of the client's TLS certificate, or null (plain TCP, or no certificate). */
    @Nullable String tlsSubject() {
        return (this.tls != null) ? this.tls.subject() : null;
    }

    /** This connection's reader of SEND frames. Its memory counts read from any thread. */
    SendBatchReader reader() {
        return this.reader;
    }

    /**
     * One stream for the connection's life: Spring Integration asks for the socket's stream at
     * every read, and the socket makes a new one each time.
     */
    @Override
    protected InputStream inputStream() throws IOException {
        Input in = this.input;
        if (in == null) {
            in = new Input((this.tls != null) ? this.tls.input(super.inputStream()) : super.inputStream(), this.reader);
            this.input = in;
        }
        return in;
    }

    @Override
    protected boolean handleReadException(Exception exception) {
        // The reader thread reads no more either way: the bytes of a frame not read in full go.
        this.reader.release();
        Throwable cause = (exception instanceof UncheckedIOException unchecked) ? unchecked.getCause() : exception;
        ClientSession session = this.session;
        if (session != null && cause instanceof SoftEndOfStreamException && isOpen()) {
            session.inputEnded();
            return true;
        }
        if (logger.isDebugEnabled()) {
            logger.debug("Connection " + getConnectionId() + " closed: " + cause);
        }
        closeConnection(true);
        return true;
    }

    @Override
    protected void publishConnectionExceptionEvent(Throwable cause) {
        // Every client that leaves ends its read with an exception: not an event worth publishing.
        Throwable unwrapped = (cause instanceof UncheckedIOException unchecked) ? unchecked.getCause() : cause;
        if (!(unwrapped instanceof IOException)) {
            super.publishConnectionExceptionEvent(cause);
        }
    }

    /**
     * Closes the connection at the end of a session that ended in order (the client closed its
     * side, or sent a frame too large, or the relay drained it at shutdown), once everything for
     * the client is written: first this side only, then, for at most {@link #LINGER}, it reads and
     * drops what the client still sends, then it closes. Closing a socket with unread data in it
     * resets the connection, and a reset can take with it the frames the client has not read
     * yet, such as the FRAME_TOO_LARGE that explains the close. Called by the client's writer.
     */
    void closeInOrder() {
        try {
            if (this.tls != null) {
                this.tls.shutdownOutput();
            }
            else {
                this.socket.shutdownOutput();
            }
            if (!this.socket.isInputShutdown()) {
                dropInputUntil(System.nanoTime() + LINGER.toNanos());
            }
        }
        catch (IOException ex) {
            // Reset, or timed out: close now.
        }
        close();
    }

    /** Stops reading: under TLS without ending the session, which a shutdown's drain still writes to. */
    @Override
    public void shutdownInput() throws IOException {
        if (this.tls != null) {
            this.tls.stopInput();
        }
        else {
            super.shutdownInput();
        }
    }

    /** Under TLS, a close from any thread must not wait for the session's write lock (see {@link TlsTransport}). */
    @Override
    public void close() {
        if (this.tls != null) {
            this.tls.beforeClose();
        }
        super.close();
    }

    /** The socket's channel: its writes tell how many bytes the socket took, even when they fail. */
    SocketChannel channel() throws IOException {
        SocketChannel channel = this.socket.getChannel();
        if (channel == null) {
            throw new IOException("socket without a channel: the relay's server socket must come from "
                    + ChannelSocketFactorySupport.class.getSimpleName());
        }
        return channel;
    }

    @Nullable InetSocketAddress remoteAddress() {
        return (this.socket.getRemoteSocketAddress() instanceof InetSocketAddress address) ? address : null;
    }

    /** The socket's stream, with the reader that {@link SendBatchDeserializer} reads it with. */
    static final class Input extends FilterInputStream {

        final SendBatchReader reader;

        private Input(InputStream socketStream, SendBatchReader reader) {
            super(socketStream);
            this.reader = reader;
        }
    }
}
