package io.switchboard.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.switchboard.cli.bench.BenchResult.round;

/**
 * The figures of a {@code connect} run and what was wrong in it.
 *
 * @param options how the run was made
 * @param seconds from the first connect to the last greeting
 * @param greeted connections that read their 4-byte greeting
 * @param failed connections refused, closed or not greeted within 10 s
 * @param badIds greetings whose ID another client of the run also got, or 0
 * @param failures up to five examples of what went wrong
 * @param genCpuMicrosPerConnect this process's CPU time per greeted connection
 * @param serverCpuMicrosPerConnect the server's CPU time per greeted connection (with --server-pid)
 * @param serverRssKbBefore the server's resident memory before the first connect, kB; -1 unknown
 * @param serverRssKbAfter the same with every connection open, after holding them for the duration
 */
public record ConnectResult(BenchOptions options, double seconds, long greeted, long failed, long badIds,
        List<String> failures, double genCpuMicrosPerConnect, double serverCpuMicrosPerConnect,
        long serverRssKbBefore, long serverRssKbAfter) implements BenchReport {

    public double connectsPerSecond() {
        return this.greeted / this.seconds;
    }

    /** The server's resident memory per connected client, kB; NaN when unknown. */
    public double serverRssKbPerClient() {
        return (this.serverRssKbBefore < 0 || this.serverRssKbAfter < 0 || this.greeted == 0) ? Double.NaN
                : (this.serverRssKbAfter - this.serverRssKbBefore) / (double) this.greeted;
    }

    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (this.failed > 0) {
            problems.add(this.failed + " connections failed, e.g. " + this.failures);
        }
        if (this.badIds > 0) {
            problems.add(this.badIds + " IDs given twice or 0");
        }
        return problems;
    }

    @Override
    public boolean ok() {
        return problems().isEmpty();
    }

    @Override
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", this.options.scenario().label());
        json.put("addr", this.options.server().toString());
        json.put("clients", this.options.clients());
        json.put("in_flight", this.options.window());
        json.put("duration_s", round(this.seconds, 3));
        json.put("greeted", this.greeted);
        json.put("connects_per_s", round(connectsPerSecond(), 1));
        json.put("failed", this.failed);
        json.put("bad_ids", this.badIds);
        json.put("gen_cpu_us_per_connect", round(this.genCpuMicrosPerConnect, 1));
        if (!Double.isNaN(this.serverCpuMicrosPerConnect)) {
            json.put("server_cpu_us_per_connect", round(this.serverCpuMicrosPerConnect, 1));
        }
        if (this.serverRssKbAfter >= 0) {
            json.put("server_rss_kb_before", this.serverRssKbBefore);
            json.put("server_rss_kb_after", this.serverRssKbAfter);
            json.put("server_rss_kb_per_client", round(serverRssKbPerClient(), 2));
        }
        json.put("ok", ok());
        json.put("problems", problems());
        return Json.write(json);
    }

    @Override
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "connect against %s: %,d clients, %d connects in flight%n",
                this.options.server(), this.options.clients(), this.options.window()));
        sb.append(String.format(Locale.ROOT, "  greeted %,d in %.2f s: %,.0f connects/s; failed %,d%n", this.greeted,
                this.seconds, connectsPerSecond(), this.failed));
        sb.append(String.format(Locale.ROOT, "  CPU per connect: bench %.1f us%s%n", this.genCpuMicrosPerConnect,
                Double.isNaN(this.serverCpuMicrosPerConnect) ? " (server: give --server-pid)"
                        : String.format(Locale.ROOT, ", server %.1f us", this.serverCpuMicrosPerConnect)));
        if (this.serverRssKbAfter >= 0) {
            sb.append(String.format(Locale.ROOT, "  server RSS %,d kB before, %,d kB with all connected: %.2f kB per client%n",
                    this.serverRssKbBefore, this.serverRssKbAfter, serverRssKbPerClient()));
        }
        List<String> problems = problems();
        sb.append(problems.isEmpty() ? "  OK: every connection greeted with its own ID" : "  FAILED: " + String.join("; ", problems));
        return sb.append(System.lineSeparator()).toString();
    }
}
