package io.switchboard.cluster;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * Cluster mode, {@code switchboard.cluster.*}: off unless {@code enabled}; Redis itself is
 * configured with Spring Boot's {@code spring.data.redis.*}.
 *
 * @param enabled whether this node joins a cluster through Redis
 * @param nodeId this node's name in Redis; unset: the host name plus a random suffix, so that a
 *        restarted pod is a new node and never inherits the IDs of its former self
 * @param keyPrefix prefix of every Redis key and stream of the cluster
 * @param heartbeatInterval how often this node renews its liveness key and looks at the others
 * @param heartbeatTtl how long a liveness key lives: a node that stops renewing it is dead, and
 *        its clients leave the registry, within this plus one interval
 * @param ackTimeout how long a message sent to another node may go without that node taking it
 *        before its sender gets DESTINATION_GONE; also how long a Redis outage may last before
 *        messages taken by other nodes are given up
 * @param maxUnconfirmedBytes payload bytes one sender may have in flight to one remote
 *        destination before it is paused (or gets DESTINATION_BUSY under {@code reject})
 * @param commandTimeout how long a Redis command may take before it fails
 * @param streamMaxLength entries kept in a node's inbound stream when it does not read them
 */
@ConfigurationProperties("switchboard.cluster")
public record ClusterProperties(
        @DefaultValue("false") boolean enabled,
        @Nullable String nodeId,
        @DefaultValue("switchboard:") String keyPrefix,
        @DefaultValue("1s") @DurationUnit(ChronoUnit.SECONDS) Duration heartbeatInterval,
        @DefaultValue("5s") @DurationUnit(ChronoUnit.SECONDS) Duration heartbeatTtl,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration ackTimeout,
        @DefaultValue("4MB") DataSize maxUnconfirmedBytes,
        @DefaultValue("2s") @DurationUnit(ChronoUnit.SECONDS) Duration commandTimeout,
        @DefaultValue("10000") int streamMaxLength) {

    public ClusterProperties {
        require(nodeId == null || nodeId.isEmpty() || nodeId.matches("[A-Za-z0-9._:-]{1,128}"),
                "switchboard.cluster.node-id must be 1 to 128 letters, digits or ._:-");
        require(heartbeatInterval.isPositive(), "switchboard.cluster.heartbeat-interval must be positive");
        require(heartbeatTtl.compareTo(heartbeatInterval.multipliedBy(2)) >= 0,
                "switchboard.cluster.heartbeat-ttl must be at least twice the heartbeat interval");
        require(ackTimeout.isPositive(), "switchboard.cluster.ack-timeout must be positive");
        require(maxUnconfirmedBytes.toBytes() >= 1, "switchboard.cluster.max-unconfirmed-bytes must be at least 1");
        require(commandTimeout.isPositive(), "switchboard.cluster.command-timeout must be positive");
        require(streamMaxLength >= 100, "switchboard.cluster.stream-max-length must be at least 100");
    }

    /**
     * How long no node hands out an ID after Redis is found without its registry (lost with its
     * data, or a new cluster): a node paused for less than {@code heartbeat-ttl} across Redis's
     * return must get its clients' IDs back before anyone else may hand them out, and after its
     * pause it takes up to one interval to reconnect (the reconnect delay is capped at the
     * interval) and one more for its next beat.
     */
    public Duration reclaimWindow() {
        return this.heartbeatTtl.plus(this.heartbeatInterval.multipliedBy(2));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
