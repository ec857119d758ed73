package io.switchboard.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;
import io.switchboard.relay.RelayEndpoint;

import static org.awaitility.Awaitility.await;

/** Several nodes of one cluster in this JVM: separate application contexts on random ports. */
final class ClusterNodes implements AutoCloseable {

    private final List<ConfigurableApplicationContext> nodes = new ArrayList<>();
    private final EmbeddedRedis redis;
    private final int redisPort;
    private final String prefix;

    private ClusterNodes(EmbeddedRedis redis, String prefix) {
        this.redis = redis;
        this.redisPort = redis.port();
        this.prefix = prefix;
    }

    /** A cluster on a Redis of its own, which {@link #close()} stops after the nodes. */
    static ClusterNodes onNewRedis(String prefix) throws Exception {
        return new ClusterNodes(EmbeddedRedis.start(), prefix);
    }

    /** A cluster on {@code redis}, which {@link #close()} stops after the nodes. */
    static ClusterNodes on(EmbeddedRedis redis, String prefix) {
        return new ClusterNodes(redis, prefix);
    }

    EmbeddedRedis redis() {
        return this.redis;
    }

    /** Starts a node and waits until it listens and has joined. */
    ConfigurableApplicationContext start(String name, String... extra) {
        ConfigurableApplicationContext context = startListening(name, extra);
        await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(NodeMembership.class).isJoined());
        return context;
    }

    /** Starts a node and waits until it listens, joined or not. */
    ConfigurableApplicationContext startListening(String name, String... extra) {
        Map<String, Object> properties = new TreeMap<>(Map.of(
                "server.port", "0",
                "switchboard.tcp.port", "0",
                "switchboard.cluster.enabled", "true",
                "switchboard.cluster.node-id", name,
                "switchboard.cluster.key-prefix", this.prefix,
                "switchboard.cluster.heartbeat-interval", "200ms",
                "switchboard.cluster.heartbeat-ttl", "1s",
                "switchboard.cluster.ack-timeout", "3s",
                "spring.data.redis.host", "127.0.0.1",
                "spring.data.redis.port", Integer.toString(this.redisPort)));
        for (String property : extra) {
            int eq = property.indexOf('=');
            properties.put(property.substring(0, eq), property.substring(eq + 1));
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties(properties).run();
        this.nodes.add(context);
        await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(RelayEndpoint.class).isListening());
        return context;
    }

    static int tcpPort(ConfigurableApplicationContext node) {
        return node.getBean(RelayEndpoint.class).port();
    }

    /** Waits until every running node sees all the others alive. */
    void awaitMesh() {
        await().atMost(Duration.ofSeconds(10)).until(() -> this.nodes.stream().filter(ConfigurableApplicationContext::isActive)
                .allMatch(node -> node.getBean(NodeMembership.class).liveNodes().size() == running() - 1));
    }

    private long running() {
        return this.nodes.stream().filter(ConfigurableApplicationContext::isActive).count();
    }

    @Override
    public void close() throws Exception {
        for (ConfigurableApplicationContext node : this.nodes) {
            if (node.isActive()) {
                node.close();
            }
        }
        this.redis.close();
    }
}
