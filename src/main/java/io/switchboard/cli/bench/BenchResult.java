package io.switchboard.cli.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;

/**
 * The figures of one bench run and what was wrong in it. Field names of {@link #toJson()}
 * follow the JSON of ../shared/bench/ swload where they mean the same.
 *
 * @param options how the run was made
 * @param seconds the measured window
 * @param delivered messages of the normal senders delivered within the window
 * @param latency latency percentiles in microseconds (p50, p90, p99, p999, max), and the
 *        number of samples (n); messages sent within the window
 * @param sendLagP99Micros how late the rate senders were, p99 (latency and slow); NaN otherwise
 * @param sent messages the normal senders sent, warm-up included
 * @param deliveredAll of those, delivered (warm-up and drain included)
 * @param lost of those, neither delivered nor answered with an ERROR by the end of the drain
 * @param orderViolations messages that arrived after a later message of the same sender
 * @param corrupt messages whose bytes were not those sent (length, header or pattern)
 * @param misrouted messages from another sender than src named, or to another client than the
 *        sender's destination
 * @param errors ERRORs to the normal senders by name
 * @param connectionErrors connections that failed during the run, and one example
 * @param genCpuMicrosPerMsg this process's CPU time per delivered message
 * @param serverCpuMicrosPerMsg the server's CPU time per delivered message (with --server-pid)
 * @param slow the flooders and the client that never read (scenario slow)
 */
public record BenchResult(BenchOptions options, double seconds, long delivered, Map<String, Double> latency,
        double sendLagP99Micros, long sent, long deliveredAll, long lost, long orderViolations, long corrupt, long misrouted,
        Map<String, Long> errors, List<String> connectionErrors, double genCpuMicrosPerMsg,
        double serverCpuMicrosPerMsg, @Nullable Slow slow) implements BenchReport {

    /**
     * @param floodSent messages the flooders sent
     * @param floodErrors ERRORs to the flooders by name (DESTINATION_BUSY under policy reject,
     *        DESTINATION_GONE once the server evicts the client that never reads)
     * @param bytesReadAfter what the client that never read could read after the run
     * @param disconnected whether the server had disconnected it
     */
    public record Slow(long floodSent, Map<String, Long> floodErrors, long bytesReadAfter, boolean disconnected) {
    }

    public double msgsPerSecond() {
        return this.delivered / this.seconds;
    }

    public double megabytesPerSecond() {
        return this.delivered * (double) this.options.size() / this.seconds / 1e6;
    }

    /**
     * What makes this run fail: lost, reordered, corrupt or misrouted messages, failed
     * connections, and ERRORs that a correct server does not send here (every destination stays
     * connected; only DESTINATION_BUSY is right, under the overflow policy reject).
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (this.sent == 0) {
            problems.add("nothing was sent");
        }
        else if (this.delivered == 0) {
            problems.add("nothing was delivered in the measured window");
        }
        count(problems, this.lost, "messages lost (neither delivered nor answered with an ERROR)");
        count(problems, this.orderViolations, "messages out of order");
        count(problems, this.corrupt, "messages with wrong bytes");
        count(problems, this.misrouted, "messages misrouted");
        this.errors.forEach((name, n) -> {
            if (!name.equals(Peer.errorName(ErrorCode.DESTINATION_BUSY.ordinal()))) {
                count(problems, n, "ERRORs " + name + " to senders whose destination was connected");
            }
        });
        if (!this.connectionErrors.isEmpty()) {
            problems.add(this.connectionErrors.size() + " connections failed, e.g. " + this.connectionErrors.getFirst());
        }
        return problems;
    }

    @Override
    public boolean ok() {
        return problems().isEmpty();
    }

    private static void count(List<String> problems, long n, String what) {
        if (n > 0) {
            problems.add(n + " " + what);
        }
    }

    @Override
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", this.options.scenario().label());
        json.put("addr", this.options.server().toString());
        json.put("clients", this.options.clients());
        json.put("size", this.options.size());
        if (this.options.scenario().windowed()) {
            json.put("window", this.options.window());
        }
        else {
            json.put("rate", this.options.rate());
        }
        if (this.slow != null) {
            json.put("flooders", this.options.flooders());
        }
        json.put("duration_s", round(this.seconds, 3));
        json.put("delivered", this.delivered);
        json.put("msgs_per_s", round(msgsPerSecond(), 1));
        json.put("mb_per_s", round(megabytesPerSecond(), 2));
        json.put("lat_us", this.latency);
        if (!Double.isNaN(this.sendLagP99Micros)) {
            json.put("send_lag_p99_us", this.sendLagP99Micros);
        }
        json.put("sent", this.sent);
        json.put("delivered_all", this.deliveredAll);
        json.put("lost", this.lost);
        json.put("order_violations", this.orderViolations);
        json.put("corrupt", this.corrupt);
        json.put("misrouted", this.misrouted);
        json.put("errors", this.errors);
        json.put("conn_errors", this.connectionErrors.size());
        if (!this.connectionErrors.isEmpty()) {
            json.put("conn_error_sample", this.connectionErrors.getFirst());
        }
        json.put("gen_cpu_us_per_msg", round(this.genCpuMicrosPerMsg, 3));
        if (!Double.isNaN(this.serverCpuMicrosPerMsg)) {
            json.put("server_cpu_us_per_msg", round(this.serverCpuMicrosPerMsg, 3));
        }
        if (this.slow != null) {
            Map<String, Object> slow = new LinkedHashMap<>();
            slow.put("flood_sent", this.slow.floodSent());
            slow.put("flood_errors", this.slow.floodErrors());
            slow.put("slow_bytes_read_after", this.slow.bytesReadAfter());
            slow.put("slow_client_disconnected", this.slow.disconnected());
            json.put("slow", slow);
        }
        json.put("ok", ok());
        json.put("problems", problems());
        return Json.write(json);
    }

    @Override
    public String summary() {
        StringBuilder sb = new StringBuilder();
        BenchOptions o = this.options;
        sb.append(String.format(Locale.ROOT, "%s against %s: %d clients, %d-byte messages, %s, %.1f s measured%n",
                o.scenario().label(), o.server(), o.clients(), o.size(),
                o.scenario().windowed() ? o.window() + " in flight per sender" : String.format(Locale.ROOT, "%,d msgs/s in all", o.rate()),
                this.seconds));
        sb.append(String.format(Locale.ROOT, "  delivered %,d: %,.0f msgs/s, %.2f MB/s%n", this.delivered, msgsPerSecond(),
                megabytesPerSecond()));
        sb.append(String.format(Locale.ROOT, "  latency us: p50 %,.0f  p90 %,.0f  p99 %,.0f  p99.9 %,.0f  max %,.0f  (%,.0f samples)%s%n",
                this.latency.get("p50"), this.latency.get("p90"), this.latency.get("p99"), this.latency.get("p999"),
                this.latency.get("max"), this.latency.get("n"),
                Double.isNaN(this.sendLagP99Micros) ? "" : String.format(Locale.ROOT, ", send lag p99 %,.0f", this.sendLagP99Micros)));
        sb.append(String.format(Locale.ROOT, "  sent %,d, delivered %,d, lost %,d, out of order %,d, corrupt %,d, misrouted %,d, ERRORs %s%n",
                this.sent, this.deliveredAll, this.lost, this.orderViolations, this.corrupt, this.misrouted,
                this.errors.isEmpty() ? "none" : this.errors));
        sb.append(String.format(Locale.ROOT, "  CPU per message: bench %.2f us%s%n", this.genCpuMicrosPerMsg,
                Double.isNaN(this.serverCpuMicrosPerMsg) ? " (server: give --server-pid)"
                        : String.format(Locale.ROOT, ", server %.2f us", this.serverCpuMicrosPerMsg)));
        if (this.slow != null) {
            sb.append(String.format(Locale.ROOT, "  flooders sent %,d to the client that never reads (ERRORs %s); it %s, %,d bytes readable after%n",
                    this.slow.floodSent(), this.slow.floodErrors().isEmpty() ? "none" : this.slow.floodErrors(),
                    this.slow.disconnected() ? "was disconnected" : "is still connected", this.slow.bytesReadAfter()));
        }
        List<String> problems = problems();
        sb.append(problems.isEmpty() ? "  OK: every message delivered once, in order, byte for byte, or answered with an ERROR"
                : "  FAILED: " + String.join("; ", problems));
        return sb.append(System.lineSeparator()).toString();
    }

    static double round(double x, int digits) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        double p = Math.pow(10, digits);
        return Math.round(x * p) / p;
    }

    /** Gathers a run's figures. */
    static final class Builder {

        private final BenchOptions options;
        private double seconds;
        private long delivered;
        private Map<String, Double> latency = Map.of();
        private double sendLag = Double.NaN;
        private long sent;
        private long deliveredAll;
        private long lost;
        private long orderViolations;
        private long corrupt;
        private long misrouted;
        private final Map<String, Long> errors = new LinkedHashMap<>();
        private final List<String> connectionErrors = new ArrayList<>();
        private double genCpu = Double.NaN;
        private double serverCpu = Double.NaN;
        private long floodSent;
        private final Map<String, Long> floodErrors = new LinkedHashMap<>();
        private @Nullable Slow slow;

        Builder(BenchOptions options) {
            this.options = options;
        }

        void measured(long nanos, long delivered) {
            this.seconds = nanos / 1e9;
            this.delivered = delivered;
        }

        void peer(Peer peer) {
            if (peer.role == Peer.Role.NORMAL) {
                this.sent += peer.sent.get();
                this.deliveredAll += peer.delivered.get();
                this.lost += peer.inFlight();
            }
            this.orderViolations += peer.orderViolations;
            this.corrupt += peer.corrupt;
            this.misrouted += peer.misrouted;
            addErrors(this.errors, peer.errors);
        }

        void flood(long sent, AtomicLongArray errors) {
            this.floodSent += sent;
            addErrors(this.floodErrors, errors);
        }

        private static void addErrors(Map<String, Long> into, AtomicLongArray counts) {
            for (int i = 0; i < counts.length(); i++) {
                long n = counts.get(i);
                if (n > 0) {
                    into.merge(Peer.errorName(i), n, Long::sum);
                }
            }
        }

        void connectionError(String error) {
            this.connectionErrors.add(error);
        }

        void latency(Histogram latency, Histogram lag) {
            Map<String, Double> lat = new LinkedHashMap<>();
            lat.put("p50", micros(latency, 50));
            lat.put("p90", micros(latency, 90));
            lat.put("p99", micros(latency, 99));
            lat.put("p999", micros(latency, 99.9));
            lat.put("max", round(latency.getMaxValue() / 1e3, 1));
            lat.put("n", (double) latency.getTotalCount());
            this.latency = lat;
            if (lag.getTotalCount() > 0) {
                this.sendLag = micros(lag, 99);
            }
        }

        private static double micros(Histogram h, double percentile) {
            return (h.getTotalCount() == 0) ? 0 : round(h.getValueAtPercentile(percentile) / 1e3, 1);
        }

        void cpu(long genCpuNanos, double serverCpuSeconds) {
            if (this.delivered > 0) {
                this.genCpu = (genCpuNanos < 0) ? Double.NaN : genCpuNanos / 1e3 / this.delivered;
                this.serverCpu = serverCpuSeconds * 1e6 / this.delivered;
            }
        }

        void slow(long bytesReadAfter, boolean disconnected) {
            this.slow = new Slow(this.floodSent, Collections.unmodifiableMap(new LinkedHashMap<>(this.floodErrors)), bytesReadAfter, disconnected);
        }

        BenchResult build() {
            return new BenchResult(this.options, this.seconds, this.delivered, this.latency, this.sendLag, this.sent, this.deliveredAll,
                    this.lost, this.orderViolations, this.corrupt, this.misrouted, Collections.unmodifiableMap(new LinkedHashMap<>(this.errors)),
                    List.copyOf(this.connectionErrors), this.genCpu, this.serverCpu, this.slow);
        }
    }
}
