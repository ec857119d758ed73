package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.support.TestCa;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cluster mode over a Redis that takes TLS connections only, through Spring Data Redis's own
 * {@code spring.data.redis.ssl.*} and an SSL bundle that trusts the Redis's CA: the nodes join,
 * and clients of two nodes message each other through it.
 */
class ClusterRedisTlsTest {

    @Test
    void nodesJoinThroughARedisThatSpeaksTlsOnlyAndRelayAcrossIt() throws Exception {
        try (TlsFixture tls = TlsFixture.create()) {
            TestCa.Credential redisIdentity = tls.ca.server("redis");
            Path certificate = tls.directory.resolve("redis.crt");
            Path key = tls.directory.resolve("redis.key");
            redisIdentity.write(certificate, key);
            try (ClusterNodes cluster = ClusterNodes.on(EmbeddedRedis.startWithTls(certificate, key, tls.trustedCa), "tls:")) {
                String[] settings = { "spring.data.redis.ssl.enabled=true", "spring.data.redis.ssl.bundle=redis",
                        "spring.ssl.bundle.pem.redis.truststore.certificate=file:" + tls.trustedCa };
                // start() waits until each node has joined: it reached the Redis, over TLS or not at all.
                ConfigurableApplicationContext a = cluster.start("node-a", settings);
                ConfigurableApplicationContext b = cluster.start("node-b", settings);
                cluster.awaitMesh();
                try (TestClient onA = TestClient.connect(ClusterNodes.tcpPort(a));
                        TestClient onB = TestClient.connect(ClusterNodes.tcpPort(b))) {
                    onA.send(onB.id(), "through Redis over TLS".getBytes(StandardCharsets.UTF_8));
                    assertThat(onB.readDeliver().payload()).isEqualTo("through Redis over TLS".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }
}
