package io.switchboard.relay;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

import io.switchboard.protocol.SendBatchReader;

/**
 * The relay's settings, {@code switchboard.*}, with the defaults of PROTOCOL.md section 6.
 *
 * @param tcp the TCP listener
 * @param maxPayloadBytes largest payload of one SEND
 * @param maxQueuedBytes bound of one client's outbound queue, in payload bytes
 * @param maxTotalQueuedBytes bound of the memory held for messages on this node: every queue's
 *        arrays and bodies, overhead included, and frames still arriving; by default half the
 *        JVM's max heap
 * @param overflowPolicy what a SEND does when its destination's queue is full
 * @param slowConsumerTimeout how long a queue may hold data that cannot be written before its
 *        client is disconnected
 * @param maxClients connections taken at once by this node
 * @param shutdownGrace how long a shutdown lets the clients' queues flush before it closes the
 *        connections that are left
 * @param ids how a new client's ID is picked in the node's range
 * @param limits per-address and per-client limits (PROTOCOL.md section 9)
 */
@ConfigurationProperties("switchboard")
public record RelayProperties(
        @DefaultValue Tcp tcp,
        @DefaultValue("1048576") DataSize maxPayloadBytes,
        @DefaultValue("4194304") DataSize maxQueuedBytes,
        @Nullable DataSize maxTotalQueuedBytes,
        @DefaultValue("pause") OverflowPolicy overflowPolicy,
        @DefaultValue("30s") @DurationUnit(ChronoUnit.SECONDS) Duration slowConsumerTimeout,
        @DefaultValue("100000") int maxClients,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration shutdownGrace,
        @DefaultValue("sequential") IdStrategy ids,
        @DefaultValue Limits limits) {

    /** Largest payload limit the relay takes: 1 GiB (the reader's cap, safe from int overflow). */
    static final long PAYLOAD_LIMIT = SendBatchReader.MAX_PAYLOAD_LIMIT;

    public RelayProperties {
        if (maxTotalQueuedBytes == null) {
            maxTotalQueuedBytes = DataSize.ofBytes(Runtime.getRuntime().maxMemory() / 2);
        }
        require(maxPayloadBytes.toBytes() >= 0 && maxPayloadBytes.toBytes() <= PAYLOAD_LIMIT,
                "switchboard.max-payload-bytes must be from 0 to " + PAYLOAD_LIMIT + " (1GB), was "
                        + maxPayloadBytes.toBytes());
        require(maxQueuedBytes.toBytes() >= 1, "switchboard.max-queued-bytes must be at least 1");
        require(maxTotalQueuedBytes.toBytes() >= maxPayloadBytes.toBytes() + MIN_TOTAL_QUEUED_MARGIN,
                "switchboard.max-total-queued-bytes (" + maxTotalQueuedBytes.toBytes()
                        + ") must be at least switchboard.max-payload-bytes (" + maxPayloadBytes.toBytes() + ") plus "
                        + MIN_TOTAL_QUEUED_MARGIN + ": the largest message must fit the node's memory budget");
        require(slowConsumerTimeout.isPositive(), "switchboard.slow-consumer-timeout must be positive");
        require(maxClients >= 1, "switchboard.max-clients must be at least 1");
        require(!shutdownGrace.isNegative(), "switchboard.shutdown-grace must not be negative");
    }

    /**
     * @param port TCP port of the relay; 0 takes any free port, which is logged
     * @param backlog connections the kernel holds before they are accepted
     * @param ssl TLS on the relay port (PROTOCOL.md section 7); off unless a bundle is named
     */
    public record Tcp(@DefaultValue("7070") int port, @DefaultValue("1024") int backlog, @DefaultValue Ssl ssl) {
        public Tcp {
            require(port >= 0 && port <= 65535, "switchboard.tcp.port must be from 0 to 65535");
            require(backlog >= 1, "switchboard.tcp.backlog must be at least 1");
        }
    }

    /**
     * @param connectionsPerAddress connections one remote IP address may hold at once on this
     *        node; 0 for no limit
     * @param messagesPerSecond SENDs one client may make per second, with a burst of one second's
     *        worth; 0 for no limit
     * @param bytesPerSecond payload bytes one client may send per second, with a burst of one
     *        second's worth or one max-size message, whichever is larger; 0 for no limit
     */
    public record Limits(@DefaultValue("0") int connectionsPerAddress, @DefaultValue("0") long messagesPerSecond,
            @DefaultValue("0") DataSize bytesPerSecond) {
        public Limits {
            require(connectionsPerAddress >= 0, "switchboard.limits.connections-per-address must not be negative");
            require(messagesPerSecond >= 0, "switchboard.limits.messages-per-second must not be negative");
            require(bytesPerSecond.toBytes() >= 0, "switchboard.limits.bytes-per-second must not be negative");
        }

        /** Whether a client's SENDs are limited at all. */
        public boolean limitsRate() {
            return this.messagesPerSecond > 0 || this.bytesPerSecond.toBytes() > 0;
        }
    }

    /**
     * @param bundle name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.pem.NAME.*} or
     *        {@code spring.ssl.bundle.jks.NAME.*}): when set, the relay port speaks TLS 1.2 or 1.3 only
     * @param clientAuth whether a client certificate, trusted by the bundle's trust material, is
     *        asked for ({@code want}) or required ({@code need})
     * @param handshakeTimeout how long a connection has to complete its TLS handshake before it is
     *        closed without an ID
     */
    public record Ssl(@Nullable String bundle, @DefaultValue("none") TlsClientAuth clientAuth,
            @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration handshakeTimeout) {
        public Ssl {
            require(bundle == null || !bundle.isBlank(),
                    "switchboard.tcp.ssl.bundle must name an SSL bundle; leave it unset for plain TCP");
            require(handshakeTimeout.isPositive(), "switchboard.tcp.ssl.handshake-timeout must be positive");
        }

        /** Whether the relay port speaks TLS. */
        public boolean enabled() {
            return this.bundle != null;
        }
    }

    /** Room beyond the largest message that the node's budget must have, for the arrays around it. */
    static final long MIN_TOTAL_QUEUED_MARGIN = 1024 * 1024;

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
