package io.switchboard.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.resource.Delay;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.StringUtils;

import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.IdAllocator;
import io.switchboard.relay.IdScheme;
import io.switchboard.relay.OverflowPolicy;
import io.switchboard.relay.RelayMetrics;
import io.switchboard.relay.RelayProperties;
import io.switchboard.relay.RemoteDestinations;
import io.switchboard.relay.Router;

/**
 * Cluster mode, only with {@code switchboard.cluster.enabled=true} (Spring Boot's Redis
 * auto-configuration is left out otherwise, see {@link RedisOnlyInClusterMode}): plugs the
 * cluster into the relay through the interfaces the relay owns: {@link IdAllocator} and
 * {@link RemoteDestinations}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("switchboard.cluster.enabled")
@EnableConfigurationProperties(ClusterProperties.class)
public class ClusterConfiguration {

    /** Fail fast while Redis is away instead of queueing commands until it returns: remote sends then end in ERRORs at once. */
    @Bean
    LettuceClientOptionsBuilderCustomizer clusterClientOptions() {
        return builder -> builder.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    /**
     * No per-command latency histograms: Lettuce keeps them by default when HdrHistogram and
     * LatencyUtils are on the class path (the bench needs HdrHistogram), and nothing reads them,
     * while a node busy with another node runs thousands of commands a second.
     */
    @Bean
    ClientResourcesBuilderCustomizer clusterClientResources() {
        return builder -> builder.commandLatencyRecorder(CommandLatencyRecorder.disabled());
    }

    /** Lettuce waits up to 60s for a reply by default; the cluster's timers are shorter than that. */
    @Bean
    LettuceClientConfigurationBuilderCustomizer clusterCommandTimeout(ClusterProperties cluster,
            DataRedisProperties redis) {
        return builder -> {
            if (redis.getTimeout() == null) {
                builder.commandTimeout(cluster.commandTimeout());
            }
        };
    }

    /**
     * Rejoin soon after Redis returns: Lettuce's default backoff grows to 30s. At most one
     * heartbeat interval, as the reclaim window after Redis lost its data allows a node that
     * much to reconnect ({@link ClusterProperties#reclaimWindow()}).
     */
    @Bean
    ClientResourcesBuilderCustomizer clusterReconnectDelay(ClusterProperties properties) {
        Duration upper = min(Duration.ofSeconds(2), properties.heartbeatInterval());
        Duration lower = min(Duration.ofMillis(100), upper.dividedBy(2)); // Lettuce wants it below the upper bound.
        return builder -> builder.reconnectDelay(
                Delay.exponential(lower, upper, 2, TimeUnit.MILLISECONDS));
    }

    private static Duration min(Duration a, Duration b) {
        return (a.compareTo(b) <= 0) ? a : b;
    }

    /**
     * The Redis connection factory starts before this node joins and stops after it leaves:
     * its default phase is the relay's, which must start after joining and stop before leaving.
     */
    @Bean
    static BeanPostProcessor redisBeforeMembership() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean instanceof LettuceConnectionFactory factory) {
                    factory.setPhase(NodeMembership.PHASE - 1000);
                }
                return bean;
            }
        };
    }

    @Bean
    RedisBackplane redisBackplane(RedisConnectionFactory factory, ClusterProperties properties) {
        return new RedisBackplane(factory, new ClusterKeys(properties.keyPrefix()), nodeName(properties),
                properties.streamMaxLength());
    }

    @Bean
    Holders clusterHolders(ClusterProperties properties) {
        return new Holders(properties.ackTimeout().multipliedBy(2));
    }

    @Bean
    SenderWindows clusterSenderWindows(ClusterProperties properties) {
        return new SenderWindows(properties.maxUnconfirmedBytes().toBytes());
    }

    @Bean
    NodeLinks nodeLinks(RedisBackplane backplane, SenderWindows windows, Holders holders, ClusterProperties properties) {
        return new NodeLinks(backplane.node(), backplane::append, windows, holders, properties.ackTimeout());
    }

    @Bean
    RemoteRouter remoteRouter(RedisBackplane backplane, Holders holders, SenderWindows windows, NodeLinks links) {
        return new RemoteRouter(backplane, holders, windows, links);
    }

    /** A new connection took over a stable ID: every node learns where it is, the old holder disconnects its client. */
    @Bean
    RedisIdAllocator redisIdAllocator(RedisBackplane backplane, IdScheme scheme, NodeLinks links,
            ClusterProperties properties) {
        return new RedisIdAllocator(backplane, scheme,
                (id) -> NodeLinks.unanswered(links.askAll(ClusterCodec.TAKEN_OVER, ClusterCodec.idBody(id))),
                properties.reclaimWindow().plus(properties.heartbeatInterval()));
    }

    @Bean
    InboxState clusterInboxState() {
        return new InboxState();
    }

    @Bean
    LocalNode localNode(RedisBackplane backplane, ClientRegistry registry, Router router, RelayMetrics metrics,
            NodeMembership membership, InboxState inbox) {
        return new LocalNode(backplane.node(), registry, router, metrics, membership, inbox);
    }

    @Bean
    LocalDelivery localDelivery(Router router, Holders holders, RelayProperties relay) {
        return new LocalDelivery(router, holders, relay.overflowPolicy() == OverflowPolicy.PAUSE);
    }

    @Bean
    ClusterDirectory clusterDirectory(LocalNode local, NodeLinks links, RemoteRouter remote, Router router) {
        return new ClusterDirectory(local, links, remote, router);
    }

    @Bean
    Inbox clusterInbox(RedisBackplane backplane, NodeLinks links, LocalDelivery delivery, LocalNode local,
            Holders holders, InboxState state, ClusterProperties properties) {
        // Messages older than half the ack timeout are given up by their senders before they could be confirmed.
        return new Inbox(backplane, new InboxHandler(links, delivery, new NodeRequests(local, holders), local),
                properties.ackTimeout().dividedBy(2), state);
    }

    @Bean
    NodeMembership nodeMembership(RedisBackplane backplane, RedisIdAllocator ids, NodeLinks links,
            ClientRegistry registry, ClusterProperties properties) {
        return new NodeMembership(backplane, ids, links, registry, properties);
    }

    @Bean
    ClusterHealthIndicator clusterHealthIndicator(NodeMembership membership, LocalNode local, NodeLinks links) {
        return new ClusterHealthIndicator(membership, local, links);
    }

    @Bean
    ClusterMetrics clusterMetrics(MeterRegistry meters, NodeMembership membership, NodeLinks links,
            LocalDelivery delivery) {
        return new ClusterMetrics(meters, membership, links, delivery);
    }

    static String nodeName(ClusterProperties properties) {
        if (StringUtils.hasText(properties.nodeId())) {
            return properties.nodeId();
        }
        String host = System.getenv("HOSTNAME");
        if (!StringUtils.hasText(host)) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            }
            catch (UnknownHostException ex) {
                host = "node";
            }
        }
        host = host.replaceAll("[^A-Za-z0-9._-]", "-");
        host = host.substring(0, Math.min(host.length(), 100));
        byte[] suffix = new byte[4];
        ThreadLocalRandom.current().nextBytes(suffix);
        return host + "-" + HexFormat.of().formatHex(suffix);
    }
}
