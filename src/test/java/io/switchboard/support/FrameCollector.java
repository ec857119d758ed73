package io.switchboard.support;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;


/**
 * Reads every frame a client receives on a thread of its own, so that a test can write and
 * read at once, until the server closes the connection or the test {@link #stop()}s it.
 * A read that waits longer than the given idle limit fails the collector.
 */
public final class FrameCollector {

    private final TestClient client;
    private final Consumer<Incoming> sink;
    private final List<Incoming> frames = new CopyOnWriteArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean closedByServer;
    private volatile Throwable failure;

    private FrameCollector(TestClient client, Consumer<Incoming> sink) {
        this.client = client;
        this.sink = sink;
    }

    /** Starts reading {@code client}'s frames, each handed to {@code sink} and kept. */
    public static FrameCollector start(TestClient client, Duration idleLimit, Consumer<Incoming> sink)
            throws IOException {
        client.readTimeout(idleLimit);
        FrameCollector collector = new FrameCollector(client, sink);
        Thread.ofVirtual().name("collector-" + client.id()).start(collector::run);
        return collector;
    }

    private void run() {
        try {
            while (true) {
                Incoming frame = this.client.read();
                this.frames.add(frame);
                this.sink.accept(frame);
            }
        }
        catch (EOFException ex) {
            this.closedByServer = !this.stopping;
        }
        catch (IOException ex) {
            if (!this.stopping) {
                this.failure = ex;
            }
        }
        catch (Throwable ex) {
            this.failure = ex;
        }
        finally {
            this.ended.countDown();
        }
    }

    public List<Incoming> frames() {
        return List.copyOf(this.frames);
    }

    public List<Message> delivers() {
        return this.frames.stream().filter(Message.class::isInstance)
                .map(Message.class::cast).toList();
    }

    public List<SendError> errors() {
        return this.frames.stream().filter(SendError.class::isInstance)
                .map(SendError.class::cast).toList();
    }

    public boolean hasEnded() {
        return this.ended.getCount() == 0;
    }

    /** Whether the server closed the connection in order (EOF), every frame before it read. */
    public boolean isClosedByServer() {
        return this.closedByServer;
    }

    /**
     * Stops reading: shuts this client's input, which ends a blocked read, and leaves its output
     * open. Frames that arrive after this are not read. A TLS client is closed instead: a TLS
     * session cannot stop reading and go on (the JDK ends it with an alert).
     * @throws AssertionError when the collector had failed
     */
    public void stop() throws IOException, InterruptedException {
        this.stopping = true;
        if (this.client.socket() instanceof javax.net.ssl.SSLSocket) {
            this.client.close();
        }
        else if (!this.client.socket().isClosed() && !this.client.socket().isInputShutdown()) {
            this.client.socket().shutdownInput();
        }
        awaitEnd(Duration.ofSeconds(10));
    }

    /**
     * Waits for the collector to end: the server closed the connection, or {@link #stop()}.
     * @throws AssertionError when it did not end in time, or failed
     */
    public void awaitEnd(Duration timeout) throws InterruptedException {
        if (!this.ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("client " + this.client.id() + " was not closed within " + timeout);
        }
        if (this.failure != null) {
            throw new AssertionError("reading client " + this.client.id() + " failed", this.failure);
        }
    }
}
