package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.admin.AdminHttp;
import io.switchboard.support.TestCa;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS in cluster mode: each node has a bundle of its own (here two sets of files from one CA),
 * clients of TLS nodes message each other through Redis as on one node, and the admin API of any
 * node lists every node's clients with their subject (ADMIN-API.md: cluster mode lists every
 * field), which crosses nodes in {@link ClusterDirectory}'s encoding of clients.
 */
class ClusterTlsTest {

    private static final String PASSWORD = "cluster-tls-secret";

    // Per test, as the nodes' bundles are this test's files; closed after the nodes.
    @AutoClose
    final TlsFixture tlsA = TlsFixture.create();
    @AutoClose
    final TlsFixture tlsB = TlsFixture.create();
    @RegisterExtension
    final ClusterExtension nodes = ClusterExtension.withPrefix("tls:").node("node-a", settings(this.tlsA))
            .node("node-b", settings(this.tlsB));

    @Test
    void clientsOfTlsNodesRelayAcrossNodesAndAnyNodeListsTheirSubjects() throws Exception {
        ConfigurableApplicationContext a = this.nodes.a();
        ConfigurableApplicationContext b = this.nodes.b();
        TestCa.Credential alice = this.tlsB.ca.client("CN=alice,O=Switchboard Test");
        try (TestClient anonymousOnA = TlsSockets.client(ClusterNodes.tcpPort(a), this.tlsA.client(null));
                TestClient aliceOnB = TlsSockets.client(ClusterNodes.tcpPort(b), this.tlsB.client(alice))) {
            anonymousOnA.send(aliceOnB.id(), "across".getBytes(StandardCharsets.UTF_8));
            assertThat(aliceOnB.readDeliver().payload()).isEqualTo("across".getBytes(StandardCharsets.UTF_8));
            aliceOnB.send(anonymousOnA.id(), "and back".getBytes(StandardCharsets.UTF_8));
            assertThat(anonymousOnA.readDeliver().payload()).isEqualTo("and back".getBytes(StandardCharsets.UTF_8));

            AdminHttp admin = AdminHttp.as(a.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                    "admin", PASSWORD);
            JsonNode aliceView = admin.client(aliceOnB.id());
            assertThat(aliceView.get("node").asString()).isEqualTo("node-b");
            assertThat(aliceView.get("subject").asString()).isEqualTo("CN=alice,O=Switchboard Test");
            List<String> listed = new ArrayList<>();
            for (JsonNode client : admin.get("/api/clients").json().get("clients")) {
                listed.add(client.get("node").asString() + " " + client.get("subject"));
            }
            assertThat(listed).containsExactlyInAnyOrder("node-a null", "node-b \"CN=alice,O=Switchboard Test\"");
        }
    }

    private static String[] settings(TlsFixture tls) {
        Map<String, String> settings = new TreeMap<>(tls.bundleProperties("relay", false));
        settings.put("switchboard.tcp.ssl.bundle", "relay");
        settings.put("switchboard.tcp.ssl.client-auth", "want");
        settings.put("switchboard.admin.password", PASSWORD);
        return settings.entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue()).toArray(String[]::new);
    }
}
