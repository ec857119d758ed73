package io.switchboard.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.switchboard.client.Message;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis restarts empty while the node holding the higher IDs is frozen (SIGSTOP) for less than
 * {@code heartbeat-ttl} across Redis's return, so that the other node rejoins first with a
 * counter that knows only its own clients: the IDs it hands out meanwhile must still be none
 * that the frozen node's clients hold (PROTOCOL.md section 10), nobody is disconnected, and the
 * rejoining node is not ready until IDs are handed out again. Each node runs in a JVM of its
 * own, so that either can be frozen: both orders of rejoining are covered.
 */
class RedisResetTest {

    static final Duration INTERVAL = Duration.ofMillis(250);
    static final Duration TTL = Duration.ofSeconds(3);
    /** Less than the TTL: alive by the cluster's own rule. */
    static final Duration PAUSE = Duration.ofSeconds(2);

    static EmbeddedRedis redis;
    static final Map<String, Node> nodes = new java.util.TreeMap<>();
    static final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    record Node(NodeProcess process, int tcpPort, int httpPort) {
    }

    @BeforeAll
    static void startCluster() throws Exception {
        redis = EmbeddedRedis.start();
        Map<String, NodeProcess> started = new java.util.TreeMap<>();
        for (String name : List.of("node-a", "node-b")) {
            // Both JVMs boot at once.
            started.put(name, NodeProcess.start("--server.port=0", "--switchboard.tcp.port=0",
                    "--switchboard.cluster.enabled=true", "--switchboard.cluster.node-id=" + name,
                    "--switchboard.cluster.key-prefix=reset:",
                    "--switchboard.cluster.heartbeat-interval=" + INTERVAL.toMillis() + "ms",
                    "--switchboard.cluster.heartbeat-ttl=" + TTL.toMillis() + "ms",
                    "--switchboard.cluster.ack-timeout=3s", "--spring.data.redis.host=127.0.0.1",
                    "--spring.data.redis.port=" + redis.port(), "--management.endpoint.health.probes.enabled=true",
                    "--management.endpoint.health.show-details=always"));
        }
        for (Map.Entry<String, NodeProcess> node : started.entrySet()) {
            NodeProcess process = node.getValue();
            nodes.put(node.getKey(), new Node(process, process.awaitReady(Duration.ofSeconds(90)),
                    process.httpPort(Duration.ofSeconds(30))));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> isReady(node("node-a")) && isReady(node("node-b")));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        timer.shutdownNow();
        for (Node node : nodes.values()) {
            node.process().close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    static Node node(String name) {
        return nodes.get(name);
    }

    @ParameterizedTest(name = "{0} is frozen across Redis's return")
    @ValueSource(strings = { "node-b", "node-a" })
    void idsStayUniqueWhenRedisReturnsEmptyWhileTheNodeWithTheHigherIdsIsFrozen(String frozenName) throws Exception {
        Node frozen = node(frozenName);
        Node first = node(frozenName.equals("node-a") ? "node-b" : "node-a");
        List<TestClient> clients = new ArrayList<>();
        try {
            // The first node's clients get the lower IDs, the frozen node's the higher ones.
            TestClient low1 = keep(clients, TestClient.connect(first.tcpPort()));
            TestClient low2 = keep(clients, TestClient.connect(first.tcpPort()));
            TestClient high1 = keep(clients, TestClient.connect(frozen.tcpPort()));
            TestClient high2 = keep(clients, TestClient.connect(frozen.tcpPort()));
            List<Integer> old = List.of(low1.id(), low2.id(), high1.id(), high2.id());
            assertThat(Integer.toUnsignedLong(high1.id())).isGreaterThan(Integer.toUnsignedLong(low2.id()));
            relay(low1, high1, "before");

            int rejoins = count(first.process().output(), "rejoined the cluster");
            redis.stopServer();
            await().atMost(Duration.ofSeconds(15)).until(() -> !isReady(first) && !isReady(frozen));
            frozen.process().pause();
            ScheduledFuture<?> resumed;
            try {
                redis.startServer();
                // A set pause, measured from the freeze: it ends less than heartbeat-ttl after Redis's return.
                resumed = timer.schedule(() -> {
                    frozen.process().resume();
                    return null;
                }, PAUSE.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (Exception | Error ex) {
                frozen.process().resume();
                throw ex;
            }

            // The first node rejoins while the other is frozen.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> count(first.process().output(), "rejoined the cluster") > rejoins);
            HttpResponse<String> readiness = get(first, "/actuator/health/readiness");
            String health = get(first, "/actuator/health").body();

            // New clients of the first node meanwhile wait for their greeting, then get IDs nobody held.
            long connecting = System.nanoTime();
            TestClient new1 = keep(clients, TestClient.connect(first.tcpPort()));
            TestClient new2 = keep(clients, TestClient.connect(first.tcpPort()));
            Duration waited = Duration.ofNanos(System.nanoTime() - connecting);
            System.out.printf("%s frozen: new clients of the other node waited %d ms for IDs %d and %d%n",
                    frozenName, waited.toMillis(), Integer.toUnsignedLong(new1.id()), Integer.toUnsignedLong(new2.id()));
            assertThat(List.of(new1.id(), new2.id())).doesNotContainAnyElementsOf(old).doesNotHaveDuplicates();
            // ... while the node was not ready, and said why.
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(health).contains("claiming their clients' IDs again");
            assertThat(waited).isLessThan(TTL.plus(INTERVAL.multipliedBy(2)).plusSeconds(2));

            resumed.get(10, TimeUnit.SECONDS);
            // Both ready, and each has seen the other's liveness again: until then a node takes
            // the other for dead, and a message to its clients is DESTINATION_GONE (section 10).
            await().atMost(Duration.ofSeconds(15)).until(() -> isReady(first) && isReady(frozen)
                    && seesTheOther(first) && seesTheOther(frozen));

            // Nobody was disconnected: every old client still relays to the others across nodes.
            relay(low1, high1, "low to high");
            relay(high2, low2, "high to low");
            relay(high1, low1, "back");
            relay(low2, high2, "again");
            relay(new1, high1, "new to old");
            relay(high2, new2, "old to new");
            assertThat(frozen.process().output()).doesNotContain("as their IDs were taken")
                    .contains("rejoined the cluster");
        }
        finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    private static TestClient keep(List<TestClient> clients, TestClient client) {
        clients.add(client);
        return client;
    }

    private static void relay(TestClient from, TestClient to, String text) throws Exception {
        from.send(to.id(), text.getBytes());
        Message deliver = to.readDeliver();
        assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(from.id()));
        assertThat(deliver.payload()).isEqualTo(text.getBytes());
    }

    private static boolean seesTheOther(Node node) throws Exception {
        return get(node, "/actuator/health").body().contains("\"otherNodes\":1");
    }

    private static boolean isReady(Node node) throws Exception {
        return get(node, "/actuator/health/readiness").statusCode() == 200;
    }

    private static int count(String text, String fragment) {
        return text.split(java.util.regex.Pattern.quote(fragment), -1).length - 1;
    }

    private static HttpResponse<String> get(Node node, String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
