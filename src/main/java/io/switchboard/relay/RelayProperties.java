package io.switchboard.relay;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * The relay's settings, {@code switchboard.*}, with the defaults of PROTOCOL.md section 6.
 *
 * @param tcp the TCP listener
 * @param maxPayloadBytes largest payload of one SEND
 * @param maxQueuedBytes bound of one client's outbound queue, in payload bytes
 * @param overflowPolicy what a SEND does when its destination's queue is full
 * @param slowConsumerTimeout how long a queue may hold data that cannot be written before its
 *        client is disconnected
 * @param maxClients connections taken at once by this node
 * @param shutdownGrace how long a shutdown lets the clients' queues flush before it closes the
 *        connections that are left
 */
@ConfigurationProperties("switchboard")
public record RelayProperties(
        @DefaultValue Tcp tcp,
        @DefaultValue("1048576") DataSize maxPayloadBytes,
        @DefaultValue("4194304") DataSize maxQueuedBytes,
        @DefaultValue("pause") OverflowPolicy overflowPolicy,
        @DefaultValue("30s") @DurationUnit(ChronoUnit.SECONDS) Duration slowConsumerTimeout,
        @DefaultValue("100000") int maxClients,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration shutdownGrace) {

    /** Largest payload a Java array can hold with its frame header. */
    static final long PAYLOAD_LIMIT = Integer.MAX_VALUE - 64;

    public RelayProperties {
        require(maxPayloadBytes.toBytes() >= 0 && maxPayloadBytes.toBytes() <= PAYLOAD_LIMIT,
                "switchboard.max-payload-bytes must be from 0 to " + PAYLOAD_LIMIT);
        require(maxQueuedBytes.toBytes() >= 1, "switchboard.max-queued-bytes must be at least 1");
        require(slowConsumerTimeout.isPositive(), "switchboard.slow-consumer-timeout must be positive");
        require(maxClients >= 1, "switchboard.max-clients must be at least 1");
        require(!shutdownGrace.isNegative(), "switchboard.shutdown-grace must not be negative");
    }

    /**
     * @param port TCP port of the relay; 0 takes any free port, which is logged
     * @param backlog connections the kernel holds before they are accepted
     */
    public record Tcp(@DefaultValue("7070") int port, @DefaultValue("1024") int backlog) {
        public Tcp {
            require(port >= 0 && port <= 65535, "switchboard.tcp.port must be from 0 to 65535");
            require(backlog >= 1, "switchboard.tcp.backlog must be at least 1");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
