package io.switchboard.relay;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.protocol.ServerFrame;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the relay's integration tests share: the real endpoint and registry of the running
 * application, clients that are closed after each test, and threads for clients that must
 * read and write at once. Each test starts once the clients of earlier tests have left the
 * registry, which also checks that none of them leaked.
 */
abstract class RelayTestSupport {

    /** Bound of every wait on the relay; generous, as other builds share the machine. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    /** A receive buffer small enough that a client that does not read fills its queue soon. */
    static final int SMALL_RECEIVE_BUFFER = 4096;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    @Autowired
    RelayProperties properties;

    private final List<TestClient> clients = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void awaitClientsOfEarlierTestsGone() {
        await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(() -> this.registry.size() == 0);
    }

    @AfterEach
    void closeClients() throws IOException {
        for (TestClient client : this.clients) {
            client.close();
        }
        this.threads.shutdownNow();
    }

    int port() {
        if (!this.endpoint.isListening()) {
            await().atMost(PATIENCE).until(this.endpoint::isListening);
        }
        return this.endpoint.port();
    }

    TestClient connect() throws IOException {
        return track(TestClient.connect(port()));
    }

    /** A client that will not read for a while: its small receive buffer fills at once. */
    TestClient connectNonReading() throws IOException {
        return track(TestClient.connect(port(), SMALL_RECEIVE_BUFFER));
    }

    TestClient track(TestClient client) {
        this.clients.add(client);
        return client;
    }

    ClientSession session(TestClient client) {
        ClientSession session = this.registry.get(client.id());
        assertThat(session).as("session of client %s", client.id()).isNotNull();
        return session;
    }

    long queuedBytes(TestClient client) {
        ClientSession session = this.registry.get(client.id());
        return (session != null) ? session.queuedBytes() : 0;
    }

    boolean isConnected(TestClient client) {
        return this.registry.get(client.id()) != null;
    }

    /** Reads every frame of {@code client} on a thread of its own, for at most {@link #PATIENCE} idle. */
    FrameCollector collect(TestClient client, Consumer<ServerFrame> sink) throws IOException {
        return FrameCollector.start(client, PATIENCE, sink);
    }

    /** Feeds what {@code client} reads into {@code ledger}. */
    FrameCollector collectInto(OutcomeLedger ledger, TestClient client) throws IOException {
        return collect(client, frame -> {
            switch (frame) {
                case ServerFrame.Deliver deliver -> ledger.delivered(client.id(), deliver);
                case ServerFrame.Error error -> ledger.failed(client.id(), error);
            }
        });
    }

    /**
     * Has {@code sender} send tagged messages of {@code size} bytes to {@code dest}, which does not
     * read, until {@code dest}'s queue has no room for another (the kernel's socket buffers take
     * megabytes first), then {@code beyond} more, which wait for room (policy pause) or are
     * refused (policy reject). Each SEND is registered in {@code ledger} before it is written.
     * @return the seq of the last SEND, once all are written: under pause, only after room was made
     */
    Future<Long> floodUntilFull(TestClient sender, TestClient dest, int size, int beyond, OutcomeLedger ledger) {
        long maxQueued = this.properties.maxQueuedBytes().toBytes();
        long limit = (maxQueued + 64L * 1024 * 1024) / size;
        return background(() -> {
            long seq = sender.sent();
            long extra = 0;
            while (extra < beyond) {
                if (queuedBytes(dest) + size > maxQueued || !isConnected(dest)) {
                    extra++;
                }
                seq++;
                ledger.sent(sender.id(), seq, dest.id());
                sender.send(dest.id(), TaggedPayload.of(sender.id(), seq, size));
                assertThat(seq).as("messages sent without filling the queue").isLessThan(limit);
            }
            return seq;
        });
    }

    /** Whether {@code dest}'s queue has no room for a message of {@code size} bytes. */
    boolean isFull(TestClient dest, int size) {
        return queuedBytes(dest) + size > this.properties.maxQueuedBytes().toBytes();
    }

    /**
     * Waits until the server has stopped reading {@code sender}: {@code dest}'s queue is full and
     * no SEND of the sender was read for a few polls. Returns the sender's count of SENDs read.
     */
    long awaitPaused(TestClient sender, TestClient dest, int size) {
        ClientSession session = session(sender);
        AtomicLong last = new AtomicLong(-1);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> isFull(dest, size) && session.messagesIn() == last.getAndSet(session.messagesIn()));
        return last.get();
    }

    <T> Future<T> background(Callable<T> task) {
        return this.threads.submit(task);
    }

    /** The task's result, failing the test if it failed or did not end within {@link #PATIENCE}. */
    static <T> T result(Future<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
