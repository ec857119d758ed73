package io.switchboard.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.switchboard.client.FrameListener;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.client.ServerFrameReader;
import io.switchboard.protocol.Wire;

/**
 * A raw protocol client for tests: a real socket on loopback, frames written by hand, every
 * read bounded by a timeout so that a test fails rather than hangs.
 */
public final class TestClient implements AutoCloseable {

    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final OutputStream out;
    private final ServerFrameReader reader;
    /** Frames the reader handed over that the test has not read yet. */
    private final Deque<Incoming> arrived = new ArrayDeque<>();
    private final FrameListener arrivals = new FrameListener() {
        @Override
        public void onDeliver(long src, byte[] buffer, int offset, int length) {
            TestClient.this.arrived.add(new Message(src, Arrays.copyOfRange(buffer, offset, offset + length)));
        }

        @Override
        public void onSendError(SendError error) {
            TestClient.this.arrived.add(error);
        }
    };
    /** What ended a read that had handed over frames first: thrown once they have been read. */
    private @Nullable IOException pendingFailure;
    private int id;
    private long sent;

    private TestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.reader = new ServerFrameReader(socket.getInputStream());
    }

    /** Connects and reads the greeting. */
    public static TestClient connect(int port) throws IOException {
        TestClient client = connectWithoutGreeting(port);
        client.readGreeting();
        return client;
    }

    /**
     * Connects with a small socket receive buffer, set before connecting so that the kernel
     * neither scales the window nor autotunes it: a client that does not read then stops the
     * server's writes after a few kilobytes, and its queue on the server fills.
     */
    public static TestClient connect(int port, int receiveBufferBytes) throws IOException {
        TestClient client = connectWithoutGreeting(port, receiveBufferBytes);
        client.readGreeting();
        return client;
    }

    /** Connects without reading anything yet. */
    public static TestClient connectWithoutGreeting(int port) throws IOException {
        return connectWithoutGreeting(port, 0);
    }

    private static TestClient connectWithoutGreeting(int port, int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        return new TestClient(socket);
    }

    /** Connects, sends a HELLO with {@code token} (token mode) and reads the greeting, which may be 0. */
    public static TestClient connectWithToken(int port, String token) throws IOException {
        return connectWithToken(port, token, 0);
    }

    /** As {@link #connectWithToken(int, String)}, with a small receive buffer as {@link #connect(int, int)} has. */
    public static TestClient connectWithToken(int port, String token, int receiveBufferBytes) throws IOException {
        TestClient client = connectWithoutGreeting(port, receiveBufferBytes);
        client.writeRaw(hello(token));
        client.readGreeting();
        return client;
    }

    /** A HELLO frame: a SEND to 0 carrying the token. */
    public static byte[] hello(String token) {
        return sendFrame(Wire.OPERATOR_ID, token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Every byte the server writes from now until it closes the connection. */
    public byte[] readAllBytes() throws IOException {
        return this.socket.getInputStream().readAllBytes();
    }

    /** A client over a socket already connected (a TLS session, say), once it has read its greeting. */
    public static TestClient over(Socket socket) throws IOException {
        TestClient client = overWithoutGreeting(socket);
        client.readGreeting();
        return client;
    }

    /** A client over a socket already connected, which has read nothing yet. */
    public static TestClient overWithoutGreeting(Socket socket) throws IOException {
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        return new TestClient(socket);
    }

    /** Reads the greeting: this client's ID, as the server's {@code int} (unsigned) view of it. */
    public int readGreeting() throws IOException {
        this.id = Wire.toId(this.reader.readGreeting());
        return this.id;
    }

    /** Sets how long a read may wait before failing with a {@link SocketTimeoutException}. */
    public void readTimeout(Duration timeout) throws IOException {
        this.socket.setSoTimeout((int) timeout.toMillis());
    }

    public int id() {
        return this.id;
    }

    public Socket socket() {
        return this.socket;
    }

    /** Number of SENDs written so far: the seq of the last one. */
    public long sent() {
        return this.sent;
    }

    /** Writes one SEND and returns its seq. */
    public long send(int dest, byte[] payload) throws IOException {
        this.out.write(sendFrame(dest, payload));
        return ++this.sent;
    }

    /** Writes raw bytes; the caller counts the SENDs in them with {@link #countSent}. */
    public void writeRaw(byte[] bytes) throws IOException {
        this.out.write(bytes);
    }

    /** Writes each byte in its own write call: with TCP_NODELAY, mostly one segment each. */
    public void writeByteByByte(byte[] bytes) throws IOException {
        for (byte b : bytes) {
            this.out.write(b);
            this.out.flush();
        }
    }

    /** Half-closes: the server sees the end of this client's stream, and this client can read on. */
    public void shutdownOutput() throws IOException {
        this.socket.shutdownOutput();
    }

    public void countSent(long frames) {
        this.sent += frames;
    }

    public static byte[] sendFrame(int dest, byte[] payload) {
        byte[] frame = new byte[Wire.SEND_HEADER_BYTES + payload.length];
        Wire.putSendHeader(frame, 0, dest, payload.length);
        System.arraycopy(payload, 0, frame, Wire.SEND_HEADER_BYTES, payload.length);
        return frame;
    }

    /** Concatenates frames, to write many of them in one write. */
    public static byte[] frames(byte[]... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] frame : frames) {
            all.writeBytes(frame);
        }
        return all.toByteArray();
    }

    /** Reads the next frame, failing after {@link #READ_TIMEOUT}. */
    public Incoming read() throws IOException {
        while (this.arrived.isEmpty()) {
            IOException failure = this.pendingFailure;
            if (failure != null) {
                throw failure;
            }
            try {
                this.reader.readFrames(this.arrivals);
            }
            catch (IOException ex) {
                if (this.arrived.isEmpty()) {
                    throw ex;
                }
                this.pendingFailure = ex;
            }
        }
        return this.arrived.poll();
    }

    public Message readDeliver() throws IOException {
        Incoming frame = read();
        if (frame instanceof Message deliver) {
            return deliver;
        }
        throw new AssertionError("expected a DELIVER, read " + frame);
    }

    public SendError readError() throws IOException {
        Incoming frame = read();
        if (frame instanceof SendError error) {
            return error;
        }
        throw new AssertionError("expected an ERROR, read " + frame);
    }

    /**
     * Reads every frame until the server closes the connection in order (EOF). Each read is
     * bounded by {@link #READ_TIMEOUT}; a reset is not an orderly close and is thrown.
     */
    public List<Incoming> readUntilClosed() throws IOException {
        List<Incoming> frames = new ArrayList<>();
        try {
            while (true) {
                frames.add(read());
            }
        }
        catch (EOFException ex) {
            return frames;
        }
    }

    /**
     * Reads every frame until the server closes the connection, in order (EOF) or with a reset,
     * which the server's close causes when this client had sent data it did not read: the frames
     * that arrived before the reset are returned all the same.
     */
    public List<Incoming> readUntilEnd() throws IOException {
        List<Incoming> frames = new ArrayList<>();
        readUntilEnd(frames::add);
        return frames;
    }

    /** As {@link #readUntilEnd()}, handing each frame to {@code sink} as it arrives. */
    public void readUntilEnd(java.util.function.Consumer<Incoming> sink) throws IOException {
        try {
            while (true) {
                sink.accept(read());
            }
        }
        catch (EOFException | java.net.SocketException ex) {
            // The end.
        }
    }

    /** True when the server closes the connection (EOF or reset) within the timeout. */
    public boolean awaitClosedByServer(Duration timeout) throws IOException {
        this.socket.setSoTimeout((int) timeout.toMillis());
        try {
            while (true) {
                read();
            }
        }
        catch (EOFException | java.net.SocketException ex) {
            return true;
        }
        catch (SocketTimeoutException ex) {
            return false;
        }
        finally {
            if (!this.socket.isClosed()) {
                this.socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            }
        }
    }

    @Override
    public void close() throws IOException {
        this.socket.close();
    }
}
