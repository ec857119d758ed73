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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;

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
        await().atMost(PATIENCE).until(() -> this.registry.size() == 0);
    }

    @AfterEach
    void closeClients() throws IOException {
        for (TestClient client : this.clients) {
            client.close();
        }
        this.threads.shutdownNow();
    }

    int port() {
        await().atMost(PATIENCE).until(this.endpoint::isListening);
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

    <T> Future<T> background(Callable<T> task) {
        return this.threads.submit(task);
    }

    /** The task's result, failing the test if it failed or did not end within {@link #PATIENCE}. */
    static <T> T result(Future<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
