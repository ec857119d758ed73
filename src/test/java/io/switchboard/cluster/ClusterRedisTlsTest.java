package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

    // Per test, as the Redis and the nodes use this test's files; closed after them.
    @AutoClose
    final TlsFixture tls = TlsFixture.create();
    // The start waits until each node has joined: it reached the Redis, over TLS or not at all.
    @RegisterExtension
    final ClusterExtension nodes = ClusterExtension.twoNodes("tls:", "spring.data.redis.ssl.enabled=true",
            "spring.data.redis.ssl.bundle=redis",
            "spring.ssl.bundle.pem.redis.truststore.certificate=file:" + this.tls.trustedCa).onRedis(this::redisWithTls);

    private EmbeddedRedis redisWithTls() throws Exception {
        TestCa.Credential redisIdentity = this.tls.ca.server("redis");
        Path certificate = this.tls.directory.resolve("redis.crt");
        Path key = this.tls.directory.resolve("redis.key");
        redisIdentity.write(certificate, key);
        return EmbeddedRedis.startWithTls(certificate, key, this.tls.trustedCa);
    }

    @Test
    void nodesJoinThroughARedisThatSpeaksTlsOnlyAndRelayAcrossIt() throws Exception {
        ConfigurableApplicationContext a = this.nodes.a();
        ConfigurableApplicationContext b = this.nodes.b();
        try (TestClient onA = TestClient.connect(ClusterNodes.tcpPort(a));
                TestClient onB = TestClient.connect(ClusterNodes.tcpPort(b))) {
            onA.send(onB.id(), "through Redis over TLS".getBytes(StandardCharsets.UTF_8));
            assertThat(onB.readDeliver().payload()).isEqualTo("through Redis over TLS".getBytes(StandardCharsets.UTF_8));
        }
    }
}
