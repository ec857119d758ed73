package io.switchboard.admin;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * This node's traffic over the last minutes, read from the relay's Micrometer meters (the
 * names Prometheus shows), so that the console needs nothing of the relay but what it already
 * publishes. Sampled once a second by {@link ConsoleStreams}; a sample costs a few counter
 * reads and the queued-bytes gauge, which walks the clients once.
 */
final class RelaySampler {

    /** Five minutes of one-second samples. */
    static final int HISTORY = 300;

    private final MeterRegistry meters;
    private final Clock clock;
    private final ArrayDeque<RelaySample> history = new ArrayDeque<>(HISTORY);
    private long lastNanos;
    private double lastMessagesIn;
    private double lastMessagesOut;
    private double lastBytesIn;
    private double lastBytesOut;

    RelaySampler(MeterRegistry meters, Clock clock) {
        this.meters = meters;
        this.clock = clock;
    }

    synchronized void sample() {
        long now = System.nanoTime();
        double messagesIn = counted("switchboard.messages.received");
        double messagesOut = counted("switchboard.messages.delivered");
        double bytesIn = counted("switchboard.payload.received");
        double bytesOut = counted("switchboard.payload.delivered");
        if (this.lastNanos != 0) {
            double seconds = Math.max(1e-3, (now - this.lastNanos) / 1e9);
            if (this.history.size() == HISTORY) {
                this.history.removeFirst();
            }
            this.history.addLast(new RelaySample(this.clock.instant().getEpochSecond(), (long) gauge("switchboard.clients.connected"),
                    (messagesIn - this.lastMessagesIn) / seconds, (messagesOut - this.lastMessagesOut) / seconds,
                    (bytesIn - this.lastBytesIn) / seconds, (bytesOut - this.lastBytesOut) / seconds,
                    (long) gauge("switchboard.queued.payload")));
        }
        this.lastNanos = now;
        this.lastMessagesIn = messagesIn;
        this.lastMessagesOut = messagesOut;
        this.lastBytesIn = bytesIn;
        this.lastBytesOut = bytesOut;
    }

    synchronized List<RelaySample> history() {
        return List.copyOf(this.history);
    }

    /** The newest sample; before the first second has passed, one of the gauges alone. */
    synchronized RelaySample latest() {
        RelaySample last = this.history.peekLast();
        return (last != null) ? last : new RelaySample(this.clock.instant().getEpochSecond(),
                (long) gauge("switchboard.clients.connected"), 0, 0, 0, 0, (long) gauge("switchboard.queued.payload"));
    }

    /** A counter's totals by the value of one tag (ERRORs by code, evictions by reason, ...). */
    Map<String, Long> byTag(String name, String tag) {
        Map<String, Long> counts = new TreeMap<>();
        for (Counter counter : this.meters.find(name).counters()) {
            String value = counter.getId().getTag(tag);
            counts.merge((value != null) ? value : "", (long) counter.count(), Long::sum);
        }
        return counts;
    }

    double counted(String name) {
        return this.meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A gauge's value; NaN when this node has no such gauge (the cluster's, on a single node). */
    double gauge(String name) {
        Gauge gauge = this.meters.find(name).gauge();
        return (gauge != null) ? gauge.value() : Double.NaN;
    }
}
