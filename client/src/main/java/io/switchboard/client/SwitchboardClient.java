package io.switchboard.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;

/**
 * A Switchboard client: one TCP connection to a server, speaking protocol version 1
 * (docs/PROTOCOL.md). Plain Java, no framework.
 *
 * <pre>{@code
 * try (SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", 7070)) {
 *     System.out.println("my ID: " + client.id());
 *     long seq = client.send(8, "hi".getBytes(StandardCharsets.UTF_8));
 *     switch (client.receive(Duration.ofSeconds(5))) {
 *         case Message m -> System.out.println(m.src() + ": " + m.text().orElse("(binary)"));
 *         case SendError e -> System.out.println(e.describe());
 *         case null -> System.out.println("nothing within 5 s");
 *     }
 * }
 * }</pre>
 *
 * <h2>Sending</h2>
 * {@link #send} is safe from several threads at once. The same lock that writes a frame assigns
 * its {@code seq}, so the numbers it returns are the order of the frames on the wire, which is
 * how the server numbers them in ERRORs. An uncontended {@code send} writes its frame through
 * to the socket before returning; while other threads are waiting to send, frames are gathered
 * in one buffer and the last thread in line writes them all at once. {@link #sendBuffered} plus
 * {@link #flush} lets one thread send a burst in one system call. When the server applies
 * backpressure (overflow policy {@code pause}), a send blocks until the server reads on.
 *
 * <h2>Receiving</h2>
 * A reader thread (virtual by default) reads what the server sends and hands it, in order,
 * either to an {@link IncomingListener} or {@link FrameListener} given to the {@link Builder},
 * or, without one, to a bounded queue that {@link #receive(Duration)} takes from. When the
 * application does not drain that queue, the reader waits for room and stops reading: the
 * socket's buffers fill and TCP holds up the server, whose queue for this client fills in turn
 * (and, past the server's {@code slow-consumer-timeout}, the server disconnects the client).
 * Nothing is buffered without bound and nothing is dropped.
 *
 * <h2>TLS</h2>
 * With {@link Builder#tls}, the connection is a TLS session (PROTOCOL.md section 7), its
 * handshake done, and the server's certificate and name checked, before the greeting is read.
 * Closing closes the TCP connection first: a close_notify could wait for a server that has
 * stopped reading this client (backpressure), and the server takes the end of the stream as
 * the client's close either way.
 */
public final class SwitchboardClient implements AutoCloseable {

    /** Default capacity of the receive queue, in frames. */
    public static final int DEFAULT_RECEIVE_QUEUE_CAPACITY = 1024;

    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private static final Duration DEFAULT_CLOSE_LINGER = Duration.ofSeconds(1);

    /** Put in the receive queue after the last frame; receive() hands it on to later calls. */
    private static final Object END = new Object();

    private final Socket socket;
    /** The TCP connection: {@link #socket} itself, or the one under its TLS session. */
    private final Socket transport;
    private final OutputStream out;
    private final long id;
    private final @Nullable BlockingQueue<Object> queue;

    private final ReentrantLock writeLock = new ReentrantLock();
    /** Threads in send() that have not yet got the write lock: the last of them flushes. */
    private final AtomicInteger waitingSenders = new AtomicInteger();
    private final byte[] writeBuffer = new byte[WRITE_BUFFER_BYTES];
    private int buffered;
    private long seq;

    private volatile boolean closed;
    private volatile @Nullable IOException endCause;

    private SwitchboardClient(Socket socket, Socket transport, long id, @Nullable BlockingQueue<Object> queue)
            throws IOException {
        this.socket = socket;
        this.transport = transport;
        this.out = socket.getOutputStream();
        this.id = id;
        this.queue = queue;
    }

    /**
     * Connects with the default settings and returns once the server's greeting (this client's
     * ID) has been read. What arrives is taken with {@link #receive(Duration)}.
     * @throws IOException when the connection fails, or the server closes it without an ID
     *         (its client limit is reached or it is shutting down)
     */
    public static SwitchboardClient connect(String host, int port) throws IOException {
        return builder(host, port).connect();
    }

    /**
     * Connects and hands what arrives to {@code listener}, on the client's reader thread.
     * @see #connect(String, int)
     */
    public static SwitchboardClient connect(String host, int port, IncomingListener listener) throws IOException {
        return builder(host, port).listener(listener).connect();
    }

    /** Settings for a connection to {@code host:port}. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** This client's ID, from the server's greeting: from 1 to 4294967295. */
    public long id() {
        return this.id;
    }

    /**
     * The number of SENDs written or buffered so far, which is the {@code seq} of the last one.
     * Waits for a send in progress, which the server's backpressure may hold up.
     */
    public long sent() {
        this.writeLock.lock();
        try {
            return this.seq;
        }
        finally {
            this.writeLock.unlock();
        }
    }

    /**
     * Sends {@code payload} to client {@code dest}.
     * @param dest the destination's ID, 0 to 4294967295 (0 is never a client: the server
     *        answers UNKNOWN_DESTINATION)
     * @param payload the message, possibly empty; not kept after the call
     * @return this SEND's {@code seq}: its number on this connection, from 1, which an ERROR
     *         about it names
     * @throws ConnectionClosedException when the client is closed or the connection failed
     */
    public long send(long dest, byte[] payload) throws IOException {
        return send(dest, payload, 0, payload.length);
    }

    /**
     * Sends {@code payload[offset, offset + length)} to {@code dest}.
     * @see #send(long, byte[])
     */
    public long send(long dest, byte[] payload, int offset, int length) throws IOException {
        int destId = Wire.toId(dest);
        Objects.checkFromIndexSize(offset, length, payload.length);
        this.waitingSenders.incrementAndGet();
        boolean counted = true;
        this.writeLock.lock();
        try {
            this.waitingSenders.decrementAndGet();
            counted = false;
            long assigned = append(destId, payload, offset, length);
            // A sender still waiting will flush this frame with its own; the last one writes all.
            if (this.waitingSenders.get() == 0) {
                flushLocked();
            }
            return assigned;
        }
        finally {
            if (counted) {
                this.waitingSenders.decrementAndGet();
            }
            this.writeLock.unlock();
        }
    }

    /**
     * Buffers a SEND without writing it yet, unless the buffer is full: {@link #flush} (or a
     * later {@link #send}) writes it. For bursts: n frames, one system call.
     * @return this SEND's {@code seq}
     * @see #send(long, byte[])
     */
    public long sendBuffered(long dest, byte[] payload, int offset, int length) throws IOException {
        int destId = Wire.toId(dest);
        Objects.checkFromIndexSize(offset, length, payload.length);
        this.writeLock.lock();
        try {
            return append(destId, payload, offset, length);
        }
        finally {
            this.writeLock.unlock();
        }
    }

    /** Writes the SENDs that {@link #sendBuffered} left in the buffer. */
    public void flush() throws IOException {
        this.writeLock.lock();
        try {
            flushLocked();
        }
        finally {
            this.writeLock.unlock();
        }
    }

    private long append(int dest, byte[] payload, int offset, int length) throws IOException {
        ensureOpen();
        int frame = Wire.SEND_HEADER_BYTES + length;
        try {
            if (frame > this.writeBuffer.length - this.buffered) {
                flushLocked();
            }
            if (frame <= this.writeBuffer.length) {
                Wire.putSendHeader(this.writeBuffer, this.buffered, dest, length);
                System.arraycopy(payload, offset, this.writeBuffer, this.buffered + Wire.SEND_HEADER_BYTES, length);
                this.buffered += frame;
            }
            else {
                // Larger than the buffer: the header from the buffer, the payload straight from the caller.
                Wire.putSendHeader(this.writeBuffer, 0, dest, length);
                this.out.write(this.writeBuffer, 0, Wire.SEND_HEADER_BYTES);
                this.out.write(payload, offset, length);
            }
        }
        catch (IOException ex) {
            throw failed(ex);
        }
        return ++this.seq;
    }

    private void flushLocked() throws IOException {
        if (this.buffered == 0) {
            return;
        }
        ensureOpen();
        try {
            this.out.write(this.writeBuffer, 0, this.buffered);
            this.buffered = 0;
        }
        catch (IOException ex) {
            throw failed(ex);
        }
    }

    private void ensureOpen() throws ConnectionClosedException {
        if (this.closed) {
            throw new ConnectionClosedException("client " + this.id + " is closed", this.endCause);
        }
    }

    private ConnectionClosedException failed(IOException ex) {
        this.buffered = 0;
        return new ConnectionClosedException("connection of client " + this.id + " failed: " + ex.getMessage(), ex);
    }

    /**
     * Takes the next frame from the receive queue, waiting at most {@code timeout}.
     * @return a {@link Message} or {@link SendError}; null when none arrived in time
     * @throws ConnectionClosedException once the connection has ended and everything that
     *         arrived before has been taken; its cause says why it ended
     * @throws IllegalStateException when the client was built with a listener
     */
    public @Nullable Incoming receive(Duration timeout) throws IOException, InterruptedException {
        BlockingQueue<Object> q = this.queue;
        if (q == null) {
            throw new IllegalStateException("this client hands what arrives to its listener");
        }
        Object next = q.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (next == END) {
            q.offer(END);
            IOException cause = this.endCause;
            throw new ConnectionClosedException((cause == null) ? "client " + this.id + " was closed"
                    : "connection of client " + this.id + " ended: " + cause.getMessage(), cause);
        }
        return (Incoming) next;
    }

    /** False once the client is closed or the connection ended. */
    public boolean isOpen() {
        return !this.closed;
    }

    /**
     * Closes the connection. SENDs that {@link #send} already returned from are written first,
     * waiting up to one second for the socket (and the server) to take them; SENDs left by
     * {@link #sendBuffered} without a flush are written too, on the same terms.
     */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_LINGER);
    }

    /**
     * Closes the connection, waiting at most {@code linger} to write what is buffered; with
     * {@link Duration#ZERO} it closes at once, discarding what is buffered, and a send blocked
     * by the server's backpressure fails right away.
     */
    public void close(Duration linger) {
        if (this.closed) {
            return;
        }
        this.closed = true;
        try {
            if (linger.isPositive() && this.writeLock.tryLock(linger.toNanos(), TimeUnit.NANOSECONDS)) {
                try {
                    writeBufferedWithin(linger);
                }
                finally {
                    this.writeLock.unlock();
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        closeSocket();
    }

    private void writeBufferedWithin(Duration linger) {
        if (this.buffered == 0) {
            return;
        }
        // A write blocked by a server that does not read would never return: a watchdog closes the socket.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(linger);
                closeSocket();
            }
            catch (InterruptedException ex) {
                // the write finished in time
            }
        });
        try {
            this.out.write(this.writeBuffer, 0, this.buffered);
        }
        catch (IOException ex) {
            // closing anyway
        }
        finally {
            this.buffered = 0;
            watchdog.interrupt();
        }
    }

    private void closeSocket() {
        try {
            if (this.transport != this.socket) {
                this.transport.close(); // first: see "TLS" above
            }
            this.socket.close();
        }
        catch (IOException ex) {
            // nothing left to do with it
        }
    }

    @Override
    public String toString() {
        return "SwitchboardClient[id=" + this.id + ", " + this.socket.getRemoteSocketAddress() + (this.closed ? ", closed]" : "]");
    }

    /** Reads frames until the connection ends, then tells the listener why. */
    private void readLoop(ServerFrameReader reader, FrameListener listener) {
        IOException cause = null;
        try {
            while (true) {
                reader.readFrames(listener);
            }
        }
        catch (IOException ex) {
            cause = ex;
        }
        catch (RuntimeException | Error ex) {
            cause = new IOException("listener failed: " + ex, ex);
        }
        if (this.closed) {
            cause = null; // the application closed it: the read failed because of that
        }
        this.endCause = cause;
        this.closed = true;
        // A send may be writing a frame still: let it finish before the socket goes (the server
        // reads, and drops, what a client sends after it has ended the session).
        this.writeLock.lock();
        try {
            closeSocket();
        }
        finally {
            this.writeLock.unlock();
        }
        listener.onClosed(cause);
    }

    /** Settings of a connection: how long to wait, and where what arrives goes. */
    public static final class Builder {

        private final String host;
        private final int port;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private @Nullable IncomingListener listener;
        private @Nullable FrameListener frameListener;
        private int receiveQueueCapacity = DEFAULT_RECEIVE_QUEUE_CAPACITY;
        private ThreadFactory readerThreads = Thread.ofVirtual().name("switchboard-client-reader").factory();
        private @Nullable Supplier<String> tokens;
        private @Nullable ClientTls tls;

        private Builder(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be from 1 to 65535: " + port);
            }
            this.port = port;
        }

        /** Bound of the TCP connect and of the wait for the greeting; 10 s by default. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Hands what arrives to {@code listener} rather than to the receive queue. */
        public Builder listener(IncomingListener listener) {
            this.listener = listener;
            this.frameListener = null;
            return this;
        }

        /** Hands frames to {@code listener} without copying payloads (see {@link FrameListener}). */
        public Builder frameListener(FrameListener listener) {
            this.frameListener = listener;
            this.listener = null;
            return this;
        }

        /** Capacity of the receive queue in frames, when there is no listener; 1024 by default. */
        public Builder receiveQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be at least 1");
            }
            this.receiveQueueCapacity = capacity;
            return this;
        }

        /**
         * A server in token mode ({@code switchboard.auth.mode=token}) admits only a client whose
         * first frame is a HELLO with a valid connect token (PROTOCOL.md section 8): the token
         * comes from {@code tokens}, asked once per connect, so that it may be fresh each time.
         */
        public Builder token(Supplier<String> tokens) {
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /** Connects with TLS: to a server whose relay port speaks TLS (PROTOCOL.md section 7). */
        public Builder tls(ClientTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** Makes the reader thread; a virtual thread by default. */
        public Builder readerThreads(ThreadFactory factory) {
            this.readerThreads = factory;
            return this;
        }

        /**
         * Connects and returns once this client's ID has been read.
         * @throws IOException when the connection fails, or the server closes it without an ID
         */
        public SwitchboardClient connect() throws IOException {
            Socket transport = new Socket();
            Socket socket = transport;
            try {
                transport.setTcpNoDelay(true);
                transport.connect(new InetSocketAddress(this.host, this.port), timeoutMillis());
                transport.setSoTimeout(timeoutMillis());
                if (this.tls != null) {
                    SSLSocket session = this.tls.layer(transport, this.host, this.port);
                    socket = session;
                    try {
                        session.startHandshake();
                    }
                    catch (SSLException ex) {
                        throw new SSLHandshakeException("TLS handshake with " + this.host + ":" + this.port + " failed: "
                                + ex.getMessage() + (ex.getMessage() != null && ex.getMessage().contains("Unsupported")
                                        ? " (does its relay port speak TLS?)" : ""));
                    }
                }
                if (this.tokens != null) {
                    socket.getOutputStream().write(Hello.frame(this.tokens.get()));
                }
                InputStream in = socket.getInputStream();
                ServerFrameReader frames = new ServerFrameReader(in);
                long id;
                try {
                    id = frames.readGreeting();
                    if (id == 0) {
                        throw new NotAdmittedException(this.host + ":" + this.port, frames.readRefusal());
                    }
                }
                catch (EOFException ex) {
                    throw new ConnectionClosedException("server " + this.host + ":" + this.port
                            + " closed the connection without an ID: it is at its client limit, shutting down, or, in"
                            + " cluster mode, cannot reach its Redis (its readiness is then DOWN)"
                            + ((this.tls == null) ? "; or its relay port speaks TLS (connect with TLS)" : ""), ex);
                }
                catch (SocketTimeoutException ex) {
                    throw new SocketTimeoutException("no ID from " + this.host + ":" + this.port + " within " + Durations.format(this.connectTimeout));
                }
                socket.setSoTimeout(0);
                BlockingQueue<Object> queue = (this.listener == null && this.frameListener == null)
                        ? new ArrayBlockingQueue<>(this.receiveQueueCapacity) : null;
                SwitchboardClient client = new SwitchboardClient(socket, transport, id, queue);
                FrameListener sink = (this.frameListener != null) ? this.frameListener
                        : new IncomingAdapter(client, this.listener);
                Thread reader = this.readerThreads.newThread(() -> client.readLoop(frames, sink));
                reader.setName("switchboard-client-" + id);
                reader.start();
                return client;
            }
            catch (IOException | RuntimeException ex) {
                transport.close();
                throw ex;
            }
        }

        private int timeoutMillis() {
            return Math.clamp(this.connectTimeout.toMillis(), 1, Integer.MAX_VALUE);
        }
    }

    /** Turns frames into {@link Incoming} values for a listener, or for the receive queue. */
    private static final class IncomingAdapter implements FrameListener {

        private final SwitchboardClient client;
        private final @Nullable IncomingListener listener;

        IncomingAdapter(SwitchboardClient client, @Nullable IncomingListener listener) {
            this.client = client;
            this.listener = listener;
        }

        @Override
        public void onDeliver(long src, byte[] buffer, int offset, int length) {
            byte[] payload = new byte[length];
            System.arraycopy(buffer, offset, payload, 0, length);
            hand(new Message(src, payload));
        }

        @Override
        public void onSendError(SendError error) {
            hand(error);
        }

        private void hand(Incoming incoming) {
            if (this.listener != null) {
                this.listener.onIncoming(incoming);
                return;
            }
            enqueue(incoming);
        }

        private void enqueue(Incoming item) {
            BlockingQueue<Object> q = this.client.queue;
            try {
                // Waits for room: this is the backpressure. Once the client is closed, what
                // does not fit is dropped, since nobody will take it.
                while (!q.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    if (this.client.closed) {
                        return;
                    }
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onClosed(@Nullable IOException cause) {
            if (this.listener != null) {
                this.listener.onClosed(cause);
                return;
            }
            BlockingQueue<Object> q = this.client.queue;
            // END goes after every frame, even when the queue is full: it waits for room off
            // the reader thread, which has nothing more to do.
            if (!q.offer(END)) {
                Thread.ofVirtual().name("switchboard-client-end").start(() -> {
                    try {
                        q.put(END);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
    }
}
