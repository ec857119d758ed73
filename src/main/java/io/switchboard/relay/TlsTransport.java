package io.switchboard.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

/**
 * One client's TLS session, layered over its TCP connection (a plain socket, accepted by
 * {@link TransportSocketFactorySupport}): the handshake, the writer's path to the socket, and the
 * ways the relay closes without waiting on the session. The reader reads the session's stream
 * like any other ({@link RelayConnection.Input}), and a shutdown stops it there, above the
 * session, which goes on for the drain's writes.
 *
 * <p>Writing: an {@code SSLSocket} has no channel, so the {@link ClientWriter} writes through the
 * session's stream, one call per chunk of at most {@link #RECORD_BYTES} (fewer when the session's records are smaller) from one buffer of the
 * batch: the JDK makes exactly one TLS record of such a write and hands it to the socket in one
 * blocking write. A chunk whose write returned is in the kernel's hands in full and counts as
 * taken; a chunk whose write failed counts as not taken, even if some of its record's bytes left:
 * a client cannot decrypt part of a record, so it can read none of that chunk's messages. So each
 * message still gets exactly one outcome when the connection breaks mid-batch, with the same
 * caveat as plain TCP: a chunk the kernel took may still be lost with the connection.
 *
 * <p>Closing: a close must not wait, from any thread. The JDK's {@code SSLSocket.close} first
 * writes a close_notify, which waits for the session's write lock and then for room in the
 * socket: the lock is held by a writer blocked on a client that does not read, or by the reader
 * while it answers the client's key updates (TLS 1.3) into a socket the client does not read. So
 * every close closes the TCP connection first, which fails any blocked write at once, and the
 * client sees the end of the stream without a close_notify. A close in order sends its
 * close_notify before, through {@link #shutdownOutput}, as the answer to a connection not
 * admitted does.
 *
 * <p>Threading: the handshake runs on the connection's reader thread, before the client is
 * admitted and its writer started (which publishes {@link #output} and {@link #subject} to it);
 * then the writer alone writes, the reader alone reads, and any thread may close.
 */
final class TlsTransport {

    /**
     * Most bytes of one write: what the JDK puts in one TLS record. A record carries at most
     * 2^14 bytes, and under TLS 1.3 the JDK keeps 17 of them for the record's inner type and
     * padding, so a write of at most this many bytes is one record, which a client reads all of
     * or none of (TlsRecordsTest checks it against the JDK).
     */
    static final int RECORD_BYTES = 16_384 - 17;

    /** A TLS record's largest plaintext, 2^14: a session whose packets hold more has full-size records. */
    private static final int MAX_PLAINTEXT = 16_384;

    /** More than a record's header, IV, MAC or tag and padding take of its packet, under any cipher suite. */
    static final int RECORD_OVERHEAD_BOUND = 512;

    private static final int OPEN = 0;
    private static final int WRITING = 1;
    private static final int CLOSED = 2;

    private final RelayTls tls;
    /** The TCP connection under the session. */
    private final Socket transport;
    private final SSLSocket socket;
    /** OPEN, WRITING while the writer is in a write to the session, CLOSED once closing began. */
    private final AtomicInteger state = new AtomicInteger(OPEN);

    /** Set by {@link #handshake}, then used by the writer only. */
    private @Nullable OutputStream output;
    private byte @Nullable [] scratch;
    /** Set by {@link #handshake}, then used by the writer only: {@link #recordBytes} of the session. */
    private int chunkBytes = RECORD_BYTES;
    private volatile @Nullable String subject;
    private volatile boolean deadlinePassed;

    TlsTransport(RelayTls tls, Socket transport, SSLSocket socket) {
        this.tls = tls;
        this.transport = transport;
        this.socket = socket;
    }

    /** The session, which the connection reads, and writes and closes through this class. */
    SSLSocket socket() {
        return this.socket;
    }

    /**
     * Runs the handshake, on the connection's reader thread, within the handshake timeout: each
     * read is bounded by it (a client that sends nothing), and so is the whole (a client that
     * sends a byte now and then). A connection that fails is counted and logged at DEBUG.
     * @return whether the session is established; if not, the caller closes the connection
     */
    boolean handshake() {
        ScheduledFuture<?> deadline = this.tls.atHandshakeDeadline(this::deadlinePassed);
        try {
            int timeout = this.transport.getSoTimeout();
            this.transport.setSoTimeout(this.tls.handshakeTimeoutMillis());
            this.socket.startHandshake();
            SSLSession session = this.socket.getSession();
            this.tls.checkResumed(session);
            this.subject = subjectOf(session);
            this.chunkBytes = recordBytes(session.getPacketBufferSize());
            // Taken here, on the reader thread: the socket's lock that getOutputStream takes is
            // also held by a read waiting for the rest of a record.
            this.output = this.socket.getOutputStream();
            this.transport.setSoTimeout(timeout);
            return true;
        }
        catch (IOException ex) {
            this.tls.handshakeFailed(this.transport, this.deadlinePassed || ex instanceof SocketTimeoutException, ex);
            return false;
        }
        finally {
            deadline.cancel(false);
        }
    }

    private void deadlinePassed() {
        this.deadlinePassed = true;
        closeTransport();
    }

    /** The subject of the client's certificate (RFC 2253), or null when it gave none. */
    @Nullable String subject() {
        return this.subject;
    }

    /**
     * Writes one chunk, at most one record's worth from the first of {@code views[first, count)}
     * that has bytes left, and advances that buffer past them once the write has returned.
     * Called by the client's writer only.
     * @return the bytes written
     * @throws IOException when the connection failed or was closed: the chunk was not taken
     */
    long write(ByteBuffer[] views, int first, int count) throws IOException {
        int i = first;
        while (i < count && !views[i].hasRemaining()) {
            i++;
        }
        if (i == count) {
            return 0;
        }
        ByteBuffer view = views[i];
        int n = Math.min(view.remaining(), this.chunkBytes);
        byte[] bytes;
        int offset;
        if (view.hasArray()) {
            bytes = view.array();
            offset = view.arrayOffset() + view.position();
        }
        else {
            bytes = (this.scratch != null) ? this.scratch : (this.scratch = new byte[this.chunkBytes]);
            offset = 0;
            view.get(view.position(), bytes, 0, n);
        }
        OutputStream out = output();
        whileWriting(() -> out.write(bytes, offset, n));
        view.position(view.position() + n);
        return n;
    }

    /**
     * Writes the answer of a connection that is not admitted, then a close_notify, through the
     * stream taken at the handshake, on a thread of its own: it may wait for the session's lock
     * (see the class comment) until the connection is closed.
     */
    void answerAndShutdownOutput(byte[] answer) throws IOException {
        OutputStream out = output();
        whileWriting(() -> {
            out.write(answer);
            this.socket.shutdownOutput();
        });
    }

    /**
     * Ends the session's writing side with a close_notify, for a close in order; the client can
     * still send (TLS 1.3; a TLS 1.2 client answers with its own close_notify). By the writer.
     */
    void shutdownOutput() throws IOException {
        whileWriting(this.socket::shutdownOutput);
    }

    /** The session's stream, taken at the handshake. */
    private OutputStream output() throws SocketException {
        OutputStream out = this.output;
        if (out == null) {
            throw new SocketException("no TLS session");
        }
        return out;
    }

    /** Runs {@code write} in state WRITING, so that a close meanwhile does not wait for it (see {@link #beforeClose}). */
    private void whileWriting(SessionWrite write) throws IOException {
        if (!this.state.compareAndSet(OPEN, WRITING)) {
            throw new SocketException("connection closed");
        }
        try {
            write.run();
        }
        finally {
            this.state.compareAndSet(WRITING, OPEN);
        }
    }

    @FunctionalInterface
    private interface SessionWrite {
        void run() throws IOException;
    }

    /**
     * Called before the session is closed, from any thread: closes the TCP connection first when
     * closing the session could wait (see the class comment), so that it then closes at once.
     */
    void beforeClose() {
        this.state.set(CLOSED);
        closeTransport();
    }

    private void closeTransport() {
        try {
            this.transport.close();
        }
        catch (IOException ex) {
            // Closed: what was wanted.
        }
    }

    /**
     * The most bytes one write may carry so as to be one record of a session whose packets are
     * at most {@code packetBufferSize} bytes: {@link #RECORD_BYTES}, unless the client asked for
     * smaller records (TLS's max_fragment_length, which the JDK grants), and then what a packet
     * that small surely holds.
     */
    static int recordBytes(int packetBufferSize) {
        if (packetBufferSize > MAX_PLAINTEXT) {
            return RECORD_BYTES;
        }
        return Math.clamp(packetBufferSize - RECORD_OVERHEAD_BOUND - 17L, 1, RECORD_BYTES);
    }

    private static @Nullable String subjectOf(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return (chain.length > 0 && chain[0] instanceof X509Certificate certificate)
                    ? certificate.getSubjectX500Principal().getName() : null;
        }
        catch (SSLPeerUnverifiedException ex) {
            return null;
        }
    }
}
