package io.switchboard.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.client.ConnectionClosedException;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Redis stops and comes back empty: local relaying goes on, remote sends fail loudly, nodes rejoin. */
class RedisOutageTest {

    static final String[] PROBES = { "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.show-components=always" };

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.twoNodes("outage:", PROBES);
    static ClusterNodes cluster;
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    @BeforeAll
    static void started() {
        cluster = nodes.cluster();
        a = nodes.a();
        b = nodes.b();
    }

    @Test
    void localRelayingGoesOnRemoteSendsFailAndNodesRejoin() throws Exception {
        try (TestClient a1 = TestClient.connect(ClusterNodes.tcpPort(a)); TestClient a2 = TestClient.connect(ClusterNodes.tcpPort(a));
                TestClient b1 = TestClient.connect(ClusterNodes.tcpPort(b))) {
            a1.send(b1.id(), "before".getBytes());
            assertThat(b1.readDeliver().payload()).isEqualTo("before".getBytes());

            cluster.redis().stopServer();
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.getBean(NodeMembership.class).isJoined()
                    && !b.getBean(NodeMembership.class).isJoined());

            // Local relaying goes on.
            a1.send(a2.id(), "local".getBytes());
            Message local = a2.readDeliver();
            assertThat(local.src()).isEqualTo(Integer.toUnsignedLong(a1.id()));
            assertThat(local.payload()).isEqualTo("local".getBytes());

            // A remote send ends in an ERROR, not silence.
            long seq = a1.send(b1.id(), "during".getBytes());
            SendError error = a1.readError();
            assertThat(error.seq()).isEqualTo(seq);
            assertThat(error.dest()).isEqualTo(Integer.toUnsignedLong(b1.id()));
            assertThat(error.code()).isIn(ErrorCode.DESTINATION_GONE, ErrorCode.UNKNOWN_DESTINATION);

            // No cluster-wide ID can be handed out: a new client is refused without one.
            try (TestClient refused = TestClient.connectWithoutGreeting(ClusterNodes.tcpPort(a))) {
                assertThat(refused.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
            }

            // The Java client cannot know why, but says what it can mean.
            assertThatThrownBy(() -> SwitchboardClient.connect("127.0.0.1", ClusterNodes.tcpPort(a)).close())
                    .isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("closed the connection without an ID")
                    .hasMessageContaining("cannot reach its Redis");

            // A node can start without Redis: it listens, and refuses clients until it joins.
            ConfigurableApplicationContext c = cluster.startListening("node-c", PROBES);
            assertThat(c.getBean(NodeMembership.class).isJoined()).isFalse();
            try (TestClient refused = TestClient.connectWithoutGreeting(ClusterNodes.tcpPort(c))) {
                assertThat(refused.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
            }

            // Health: the cluster component is DOWN, and readiness with it, as the node turns clients
            // away (Kubernetes stops sending it any); liveness is not: nothing a restart would fix.
            assertThat(get(a, "/actuator/health/liveness")).satisfies(response -> {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).contains("\"UP\"");
            });
            for (ConfigurableApplicationContext node : new ConfigurableApplicationContext[] { a, c }) {
                assertThat(get(node, "/actuator/health/readiness")).satisfies(response -> {
                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(response.body()).endsWith("\"status\":\"DOWN\"}");
                });
            }
            assertThat(get(a, "/actuator/health").body()).contains("\"cluster\":{\"status\":\"DOWN\"")
                    .doesNotContain("\"redis\"");
            // What the node tells the others' consoles of itself.
            assertThat(a.getBean(LocalNode.class).state()).isEqualTo(ClusterDirectory.NodeState.NOT_JOINED);

            // Redis comes back with nothing in it: both nodes rejoin and claim their clients again.
            cluster.redis().startServer();
            await().atMost(Duration.ofSeconds(15)).until(() -> a.getBean(NodeMembership.class).isJoined()
                    && b.getBean(NodeMembership.class).isJoined() && c.getBean(NodeMembership.class).isJoined());
            cluster.awaitMesh();
            try (TestClient onC = TestClient.connect(ClusterNodes.tcpPort(c))) {
                onC.send(b1.id(), "from c".getBytes());
                assertThat(b1.readDeliver().payload()).isEqualTo("from c".getBytes());
            }
            assertThat(get(a, "/actuator/health").body()).contains("\"cluster\":{\"status\":\"UP\"");
            await().atMost(Duration.ofSeconds(10)).until(() -> get(c, "/actuator/health/readiness").statusCode() == 200);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.getBean(LocalNode.class).state() == ClusterDirectory.NodeState.READY);

            a1.send(b1.id(), "after".getBytes());
            Message after = b1.readDeliver();
            assertThat(after.src()).isEqualTo(Integer.toUnsignedLong(a1.id()));
            assertThat(after.payload()).isEqualTo("after".getBytes());

            // New IDs do not collide with those held through the outage.
            try (TestClient fresh = TestClient.connect(ClusterNodes.tcpPort(b))) {
                assertThat(fresh.id()).isNotIn(a1.id(), a2.id(), b1.id());
                fresh.send(a2.id(), "new".getBytes());
                assertThat(a2.readDeliver().payload()).isEqualTo("new".getBytes());
            }
        }
    }

    private static HttpResponse<String> get(ConfigurableApplicationContext node, String path) throws Exception {
        int port = ((WebServerApplicationContext) node).getWebServer().getPort();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
