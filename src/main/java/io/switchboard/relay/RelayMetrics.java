package io.switchboard.relay;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import io.switchboard.protocol.ErrorCode;

/**
 * The relay's Micrometer meters, under {@code switchboard.}. Counters are incremented once per
 * read batch rather than per frame, to keep them off the per-message path.
 */
public final class RelayMetrics {

    private final MeterRegistry meters;
    private final Counter messagesIn;
    private final Counter bytesIn;
    private final Counter messagesOut;
    private final Counter bytesOut;
    private final Map<Eviction, Counter> evictions = new EnumMap<>(Eviction.class);
    private final Map<Rejection, Counter> rejects = new EnumMap<>(Rejection.class);
    private final Map<ConnectAuthenticator.Failure, Counter> authFailures = new EnumMap<>(ConnectAuthenticator.Failure.class);
    private final Counter throttles;
    private final Counter throttledSeconds;
    private final Counter connections;
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

    /** Why a client was disconnected by the server. */
    enum Eviction {
        /** Its queue made no write progress for slow-consumer-timeout. */
        SLOW_CONSUMER("slow-consumer"),
        /** The node's memory budget ran out, and it held memory it had not taken for a second. */
        MEMORY("memory");

        private final String tag;

        Eviction(String tag) {
            this.tag = tag;
        }
    }

    /** Why a connection was closed without an ID. */
    enum Rejection {
        /** max-clients connections were open on this node. */
        MAX_CLIENTS("max-clients"),
        /** Its address held connections-per-address connections already. */
        PER_ADDRESS("per-address"),
        /** The node was shutting down. */
        SHUTTING_DOWN("shutting-down"),
        /** No ID could be had (none free, or the cluster's store unreachable). */
        NO_ID("no-id");

        private final String tag;

        Rejection(String tag) {
            this.tag = tag;
        }
    }

    /**
     * Gauges the connections that hold a {@code max-clients} slot: clients, and connections in
     * their TLS handshake or awaiting their HELLO. Called once, by the relay's lifecycle.
     */
    void connectionsOpen(AtomicInteger held) {
        Gauge.builder("switchboard.connections.open", held, AtomicInteger::get)
                .description("Connections holding a max-clients slot: clients, and connections in their TLS handshake"
                        + " or awaiting their HELLO")
                .register(this.meters);
    }

    RelayMetrics(MeterRegistry meters, ClientRegistry registry, MemoryBudget budget) {
        this.meters = meters;
        this.messagesIn = Counter.builder("switchboard.messages.received")
                .description("SEND frames read from clients").register(meters);
        this.bytesIn = Counter.builder("switchboard.bytes.received").baseUnit("bytes")
                .description("Payload bytes of SEND frames read from clients").register(meters);
        this.messagesOut = Counter.builder("switchboard.messages.delivered")
                .description("DELIVER frames written to clients").register(meters);
        this.bytesOut = Counter.builder("switchboard.bytes.delivered").baseUnit("bytes")
                .description("Payload bytes of DELIVER frames written to clients").register(meters);
        for (Eviction reason : Eviction.values()) {
            this.evictions.put(reason, Counter.builder("switchboard.evictions").tag("reason", reason.tag)
                    .description("Clients disconnected as slow consumers: no write progress, or memory ran out")
                    .register(meters));
        }
        for (Rejection reason : Rejection.values()) {
            this.rejects.put(reason, Counter.builder("switchboard.connections.rejected").tag("reason", reason.tag)
                    .description("Connections closed without an ID: max-clients or connections-per-address reached, "
                            + "shutting down, or no ID to give")
                    .register(meters));
        }
        for (ConnectAuthenticator.Failure reason : ConnectAuthenticator.Failure.values()) {
            this.authFailures.put(reason, Counter.builder("switchboard.auth.failures").tag("reason", reason.tag())
                    .description("Connections not admitted in token mode, by reason (the reason is never sent)")
                    .register(meters));
        }
        this.throttles = Counter.builder("switchboard.throttled")
                .description("Times a client's reader waited for its rate limit (messages- or bytes-per-second)")
                .register(meters);
        this.throttledSeconds = Counter.builder("switchboard.throttled.time").baseUnit("seconds")
                .description("Time clients' readers waited for their rate limits").register(meters);
        this.connections = Counter.builder("switchboard.connections.accepted")
                .description("Connections given an ID").register(meters);
        for (ErrorCode code : ErrorCode.values()) {
            this.errors.put(code, Counter.builder("switchboard.errors").tag("code", code.name())
                    .description("ERROR frames sent to clients").register(meters));
        }
        Gauge.builder("switchboard.clients.connected", registry, ClientRegistry::size)
                .description("Clients connected to this node").register(meters);
        Gauge.builder("switchboard.queued.bytes", registry, RelayMetrics::queuedPayload).baseUnit("bytes")
                .description("Payload bytes queued for clients and not yet written").register(meters);
        Gauge.builder("switchboard.queue.memory", budget, MemoryBudget::used).baseUnit("bytes")
                .description("Memory held for messages: queues' arrays and bodies, and frames still arriving")
                .register(meters);
        Gauge.builder("switchboard.queue.memory.limit", budget, MemoryBudget::limit).baseUnit("bytes")
                .description("The node's budget for that memory, switchboard.max-total-queued-bytes").register(meters);
    }

    /** The payload bytes queued for {@code registry}'s clients and not yet written: a walk of them all. */
    public static long queuedPayload(ClientRegistry registry) {
        long total = 0;
        for (ClientSession session : registry.all()) {
            total += session.queuedBytes();
        }
        return total;
    }

    /**
     * What this node has counted since it started. The by-reason maps are keyed as the meters'
     * tags are ({@code code}, {@code reason}).
     */
    public record Totals(long messagesIn, long messagesOut, long bytesIn, long bytesOut, Map<String, Long> errors,
            Map<String, Long> evictions, Map<String, Long> rejects, long throttles) {
    }

    /**
     * The totals, read from the counters themselves rather than found by meter name, which a
     * registry's filters may change (the admin port's Prometheus names do).
     */
    public Totals totals() {
        Map<String, Long> errors = new TreeMap<>();
        this.errors.forEach((code, counter) -> errors.put(code.name(), (long) counter.count()));
        Map<String, Long> evictions = new TreeMap<>();
        this.evictions.forEach((reason, counter) -> evictions.put(reason.tag, (long) counter.count()));
        Map<String, Long> rejects = new TreeMap<>();
        this.rejects.forEach((reason, counter) -> rejects.put(reason.tag, (long) counter.count()));
        return new Totals((long) this.messagesIn.count(), (long) this.messagesOut.count(), (long) this.bytesIn.count(),
                (long) this.bytesOut.count(), errors, evictions, rejects, (long) this.throttles.count());
    }

    void received(long messages, long bytes) {
        this.messagesIn.increment(messages);
        this.bytesIn.increment(bytes);
    }

    void delivered(long messages, long bytes) {
        this.messagesOut.increment(messages);
        this.bytesOut.increment(bytes);
    }

    void error(ErrorCode code) {
        this.errors.get(code).increment();
    }

    void evicted(Eviction reason) {
        this.evictions.get(reason).increment();
    }

    void rejected(Rejection reason) {
        this.rejects.get(reason).increment();
    }

    void authFailed(ConnectAuthenticator.Failure reason) {
        this.authFailures.get(reason).increment();
    }

    void throttled(long nanos) {
        this.throttles.increment();
        this.throttledSeconds.increment(nanos / 1e9);
    }

    void accepted() {
        this.connections.increment();
    }
}
