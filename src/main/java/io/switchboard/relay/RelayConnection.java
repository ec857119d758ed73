package io.switchboard.relay;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
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
 *
 * <p>A shutdown stops the reading ({@link #stopReading}) without ending the socket's input: a
 * socket whose input is shut down is never read again by the JDK, so what the client still sends
 * would stay unread in it, and closing a socket with unread bytes resets the connection, which
 * throws away what the kernel still holds for the client (its last outcomes). Instead every read
 * goes through {@link Input}, which either ends the reading at the reader's next read, or, when
 * the reader is blocked in a read, lets the shutdown end the client's input at once and then has
 * the reader read and drop what the client still sends, until the close in order
 * ({@link #closeInOrder}) closes with nothing unread.
 */
public final class RelayConnection extends TcpNetConnection {

    private static final Log logger = LogFactory.getLog(RelayConnection.class);

    /** How long a close in order waits for the client to close its side, reading what it sends. */
    static final Duration LINGER = Duration.ofSeconds(2);

    /** {@link #readState}: the reader is not in a read of the socket. */
    private static final int IDLE = 0;
    /** {@link #readState}: the reader is in a read of the socket, which may block. */
    private static final int IN_READ = 1;
    /** {@link #readState}: stopped between reads; the reader's next read ends its stream. */
    private static final int STOP_REQUESTED = 2;
    /**
     * {@link #readState}: stopped while the reader was in a read; the client's input has ended
     * already, and the reader drops what it reads until the client's end of stream.
     */
    private static final int STOPPED = 3;

    private static final VarHandle READ_STATE;

    static {
        try {
            READ_STATE = MethodHandles.lookup().findVarHandle(RelayConnection.class, "readState", int.class);
        }
        catch (ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Socket socket;
    /** The TLS session over the socket, when the relay port speaks TLS; {@link #socket} is then the session's. */
    private final @Nullable TlsTransport tls;
    private final SendBatchReader reader;
    private final Arrival arrival = new Arrival();
    private volatile @Nullable ClientSession session;
    /** Made on the first read; only the connection's own reader thread reads. */
    private @Nullable Input input;
    /**
     * IDLE, IN_READ, STOP_REQUESTED or STOPPED: the reader thread moves it between IDLE and
     * IN_READ around each read ({@link Input}), {@link #stopReading} (a shutdown) out of them. Here
     * rather than in the {@link Input}, which the reader makes at its first read, possibly after a
     * shutdown stopped it.
     */
    @SuppressWarnings("unused") // through READ_STATE
    private volatile int readState;
    /** Counted down when the reader thread leaves: it reads the socket no more. */
    private final CountDownLatch readerLeft = new CountDownLatch(1);

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
            // Under TLS, the session's stream of the client's plaintext.
            in = new Input(super.inputStream(), this.reader);
            this.input = in;
        }
        return in;
    }

    /** The connection's reader thread: its loop of reads, then {@link #readerLeft}. */
    @Override
    public void run() {
        try {
            super.run();
        }
        finally {
            this.readerLeft.countDown();
        }
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
     * the client is written: first this side only, then, for at most {@link #LINGER}, what the
     * client still sends is read and dropped until it closes its side, then it closes. Closing a
     * socket with unread data in it resets the connection, and a reset can take with it the
     * frames the client has not read yet, such as the FRAME_TOO_LARGE that explains the close,
     * or the last outcomes of a shutdown's drain. Called by the client's writer.
     */
    void closeInOrder() {
        try {
            if (this.tls != null) {
                this.tls.shutdownOutput();
            }
            else {
                this.socket.shutdownOutput();
            }
            if ((int) READ_STATE.getVolatile(this) == STOPPED) {
                // Stopped in a read: the reader thread drops what the client sends, until its end
                // of stream. Two threads must not read one socket: wait for it instead.
                this.readerLeft.await(LINGER.toNanos(), TimeUnit.NANOSECONDS);
            }
            else {
                // The reader has read its last (the client's end of stream, a frame too large,
                // or a stop between reads): its input ended on its own thread before this client
                // could be finished, and it reads no more.
                dropInputUntil(System.nanoTime() + LINGER.toNanos());
            }
        }
        catch (IOException ex) {
            // Reset, or timed out: close now.
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        // Also ends a read still waiting in the reader thread.
        close();
    }

    /**
     * Stops reading the client, for a shutdown's drain, without ending the socket's input (see
     * the class comment); under TLS without ending the session either, which the drain still
     * writes to. Called on the shutdown's thread; the reader thread may be anywhere meanwhile.
     * @return true when the reader was blocked in a read: every frame it read in full is routed,
     *         and it routes nothing more, so the caller ends the client's input itself
     *         ({@link ClientSession#inputEnded}) rather than wait for the client to send; false
     *         when the reader ends its input itself, at its next read, or has stopped already
     */
    boolean stopReading() {
        while (true) {
            switch ((int) READ_STATE.getVolatile(this)) {
                case IDLE -> {
                    if (READ_STATE.compareAndSet(this, IDLE, STOP_REQUESTED)) {
                        return false;
                    }
                }
                case IN_READ -> {
                    if (READ_STATE.compareAndSet(this, IN_READ, STOPPED)) {
                        return true;
                    }
                }
                default -> {
                    return false;
                }
            }
            // The reader entered or left a read meanwhile: look again.
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

    /**
     * The socket's stream (under TLS, the session's), with the reader that
     * {@link SendBatchDeserializer} reads it with; read by the connection's reader thread only.
     *
     * <p>Each read that may block moves {@link #readState} from IDLE to IN_READ and back, two
     * uncontended CAS, so that {@link #stopReading} knows whether the reader is blocked in a
     * read. A read that finds the reading stopped ends the stream (-1) without reading: the
     * reader then ends as at the client's end of stream, with what it read in full routed. A read
     * that returns to find it STOPPED drops what it read and everything after it until the
     * client's end of stream or an error (such as the close at the end of {@link #LINGER}),
     * then ends the stream: the stopper has ended the client's input already.
     *
     * <p>That needs the reader to hold no complete frame while it waits in a read, which
     * {@link SendBatchReader} keeps to (it routes each frame as soon as it is read in full),
     * but for one read: the rest of a burst, which it reads only once {@link #available} has said
     * that bytes have arrived. A read after that cannot block, so it is made outside the
     * states, after a volatile read of them: a stop before it ends the stream there, a stop
     * during it finds the reader IDLE and ends the stream at its next read; either way the
     * reader routes the frames it holds first.
     */
    final class Input extends FilterInputStream {

        final SendBatchReader reader;
        /** {@link #available} said bytes have arrived, and no read has taken any since: the next read cannot block. */
        private boolean arrived;
        /** For dropping what a stopped client still sends; made only then. */
        private byte @Nullable [] dropped;

        private Input(InputStream socketStream, SendBatchReader reader) {
            super(socketStream);
            this.reader = reader;
        }

        @Override
        public int available() throws IOException {
            int n = this.in.available();
            this.arrived = n > 0;
            return n;
        }

        /** The reader never reads a byte at a time; a caller that does goes through the same states. */
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return (read(one, 0, 1) > 0) ? one[0] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (this.arrived) {
                this.arrived = false;
                return stopped() ? -1 : this.in.read(b, off, len);
            }
            if (!READ_STATE.compareAndSet(RelayConnection.this, IDLE, IN_READ)) {
                // Stopped (STOP_REQUESTED, or STOPPED after the drop below): the end of the stream.
                return -1;
            }
            int n;
            try {
                n = this.in.read(b, off, len);
            }
            catch (IOException | RuntimeException ex) {
                READ_STATE.compareAndSet(RelayConnection.this, IN_READ, IDLE);
                throw ex;
            }
            return readEnded(n >= 0) ? n : -1;
        }

        /**
         * Whether the reading was stopped, for a read that cannot block: it ends the stream too,
         * so that nothing is read after a stop (SendBatchReader routes the frames it holds first).
         */
        private boolean stopped() {
            return (int) READ_STATE.getVolatile(RelayConnection.this) != IDLE;
        }

        /**
         * After a read: back to IDLE, unless the reading was stopped during it. Then what it
         * brought is dropped, and so is what follows, until the client ends its stream.
         * @param more whether the read brought bytes rather than the end of the stream
         * @return whether the read's result stands
         */
        private boolean readEnded(boolean more) throws IOException {
            if (READ_STATE.compareAndSet(RelayConnection.this, IN_READ, IDLE)) {
                return true;
            }
            if (more) {
                byte[] buffer = (this.dropped != null) ? this.dropped : (this.dropped = new byte[4096]);
                while (this.in.read(buffer, 0, buffer.length) >= 0) {
                    // Dropped: the client's input has ended (ClientSession.drainForShutdown).
                }
            }
            return false;
        }
    }
}
