package io.switchboard.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.resource.Delay;

import org.springframework.beans.factory.ObjectProvider;
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
    RemoteRouter remoteRouter(RedisBackplane backplane, ClusterProperties properties) {
        return new RemoteRouter(backplane, properties);
    }

    @Bean
    RedisIdAllocator redisIdAllocator(RedisBackplane backplane, IdScheme scheme, ObjectProvider<NodeMembership> membership,
            ObjectProvider<ClusterDirectory> directory, ClusterProperties properties) {
        return new RedisIdAllocator(backplane, scheme, () -> membership.getObject().isJoined(),
                (id) -> directory.getObject().takenOver(id), properties.reclaimWindow().plus(properties.heartbeatInterval()));
    }

    @Bean
    LocalDelivery localDelivery(Router router, RemoteRouter remote, RelayProperties relay) {
        return new LocalDelivery(router, remote, relay.overflowPolicy() == OverflowPolicy.PAUSE);
    }

    @Bean
    ClusterDirectory clusterDirectory(RedisBackplane backplane, RemoteRouter remote, ClientRegistry registry,
            Router router, ObjectProvider<NodeMembership> membership, ClusterProperties properties, MeterRegistry meters) {
        return new ClusterDirectory(backplane, remote, registry, router, () -> membership.getObject().liveNodes(),
                properties.ackTimeout(), meters);
    }

    @Bean
    Inbox clusterInbox(RedisBackplane backplane, LocalDelivery delivery, RemoteRouter remote, ClusterDirectory directory,
            ClusterProperties properties) {
        // Messages older than half the ack timeout are given up by their senders before they could be confirmed.
        return new Inbox(backplane, new InboxHandler(delivery, remote, directory), properties.ackTimeout().dividedBy(2));
    }

    @Bean
    NodeMembership nodeMembership(RedisBackplane backplane, RedisIdAllocator ids, RemoteRouter remote,
            ClientRegistry registry, Inbox inbox, ClusterProperties properties) {
        return new NodeMembership(backplane, ids, remote, registry, inbox, properties);
    }

    @Bean
    ClusterHealthIndicator clusterHealthIndicator(NodeMembership membership, RemoteRouter remote) {
        return new ClusterHealthIndicator(membership, remote);
    }

    @Bean
    ClusterMetrics clusterMetrics(MeterRegistry meters, NodeMembership membership, RemoteRouter remote,
            LocalDelivery delivery) {
        return new ClusterMetrics(meters, membership, remote, delivery);
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
