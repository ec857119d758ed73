package io.switchboard.client.bench;

import java.time.Duration;
import java.util.Locale;

import io.switchboard.client.HostPort;

/**
 * The options of a bench run; names and defaults as the neutral load generator of
 * ../shared/bench/ (swload) has them, so that figures compare.
 *
 * @param server where the server listens
 * @param scenario what to measure
 * @param clients clients taking part (pairs, latency, slow: even; fanin: C-1 senders and one receiver)
 * @param size payload bytes of every message, at least {@link Payload#HEADER_BYTES}
 * @param window messages in flight per sender (pairs, fanin); connects in flight (connect)
 * @param rate aggregate messages per second (latency, slow)
 * @param flooders clients flooding the client that never reads (slow)
 * @param duration measured time; for connect, how long every connection is held open before
 *        the server's memory is read
 * @param warmup unmeasured time before it
 * @param drain longest wait after the run for the outcome of messages in flight
 * @param serverPid the server's process ID, for its CPU time per message; 0 when unknown
 * @param json print one JSON line on standard output, the summary on standard error
 * @param progress print a progress line each second on standard error
 */
public record BenchOptions(HostPort server, Scenario scenario, int clients, int size, int window, int rate,
        int flooders, Duration duration, Duration warmup, Duration drain, long serverPid, boolean json,
        boolean progress) {

    public BenchOptions {
        require(size >= Payload.HEADER_BYTES, "--size must be at least " + Payload.HEADER_BYTES);
        require(window >= 1, "--window must be at least 1");
        require(rate >= 1, "--rate must be at least 1");
        require(flooders >= 1, "--flooders must be at least 1");
        require(duration.isPositive() && duration.compareTo(Duration.ofMinutes(10)) <= 0,
                "--duration must be more than 0 and at most 10m");
        require(!warmup.isNegative() && !drain.isNegative(), "--warmup and --drain must not be negative");
        if (scenario == Scenario.CONNECT) {
            require(clients >= 1, "--clients must be at least 1 for connect");
        }
        else if (scenario == Scenario.FANIN) {
            require(clients >= 2, "--clients must be at least 2 for fanin");
        }
        else {
            require(clients >= 2 && clients % 2 == 0, "--clients must be even and at least 2 for " + scenario.label());
        }
    }

    /**
     * Parses the arguments after {@code bench}: {@code HOST:PORT} and options.
     * @throws IllegalArgumentException with a message fit for a user
     */
    public static BenchOptions parse(String[] args) {
        HostPort server = null;
        Scenario scenario = null;
        int clients = 100;
        int size = 64;
        int window = 64;
        int rate = 20_000;
        int flooders = 4;
        Duration duration = Duration.ofSeconds(10);
        Duration warmup = Duration.ofSeconds(1);
        Duration drain = Duration.ofSeconds(3);
        long serverPid = 0;
        boolean json = false;
        boolean progress = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("-") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--json" -> json = true;
                case "--progress" -> progress = true;
                case "--scenario", "-s", "--clients", "-c", "--size", "-m", "--window", "-w", "--rate", "-r",
                        "--flooders", "-k", "--duration", "-d", "--warmup", "--drain", "--server-pid" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "--scenario", "-s" -> scenario = Scenario.parse(value);
                        case "--clients", "-c" -> clients = integer(name, value);
                        case "--size", "-m" -> size = integer(name, value);
                        case "--window", "-w" -> window = integer(name, value);
                        case "--rate", "-r" -> rate = integer(name, value);
                        case "--flooders", "-k" -> flooders = integer(name, value);
                        case "--duration", "-d" -> duration = duration(name, value);
                        case "--warmup" -> warmup = duration(name, value);
                        case "--drain" -> drain = duration(name, value);
                        default -> serverPid = integer(name, value);
                    }
                }
                default -> {
                    if (arg.startsWith("-") || server != null) {
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                    }
                    server = HostPort.parse(arg);
                }
            }
        }
        if (server == null) {
            throw new IllegalArgumentException("the server's HOST:PORT is missing");
        }
        if (scenario == null) {
            throw new IllegalArgumentException("--scenario is missing: pairs, latency, fanin, slow or connect");
        }
        return new BenchOptions(server, scenario, clients, size, window, rate, flooders, duration, warmup, drain,
                serverPid, json, progress);
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.replace("_", ""));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, or a number of seconds such as {@code 1.5}. */
    static Duration duration(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            }
            else if (v.endsWith("m")) {
                return Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60));
            }
            return Duration.ofNanos(Math.round(Double.parseDouble(v) * 1e9));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " needs a duration such as 10s, 500ms or 2m, got '" + value + "'");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    static String usage() {
        return """
                usage: java -jar switchboard.jar bench HOST:PORT --scenario S [options]
                  scenarios:
                    pairs    C clients in pairs, M-byte messages, W in flight each: delivered msgs/s, MB/s
                    latency  pairs at a fixed aggregate rate R: latency p50/p99/p99.9/max
                    fanin    C-1 senders, W in flight each, to one receiver
                    slow     latency, plus K clients flooding one more client that never reads
                    connect  C connections, W connects in flight, each greeted: connects/s; all then
                             held open for D, and the server's RSS per client (with --server-pid)
                  options (defaults as ../shared/bench/ swload):
                    -c, --clients C      clients (default 100)
                    -m, --size M         payload bytes, at least 16 (default 64)
                    -w, --window W       messages in flight per sender; connects in flight (default 64)
                    -r, --rate R         aggregate msgs/s for latency and slow (default 20000)
                    -k, --flooders K     flooding clients for slow (default 4)
                    -d, --duration D     measured time: 10s, 500ms, 2m (default 10s)
                        --warmup D       unmeasured time first (default 1s)
                        --drain D        longest wait for messages in flight at the end (default 3s)
                        --server-pid P   the server's PID: reports its CPU time per message (and memory)
                        --json           one JSON line on stdout (the summary goes to stderr)
                        --progress       a progress line each second even when not on a terminal
                  Every payload carries its sender, a sequence number and its send time, padded
                  with a pattern: the run checks order and every byte of what arrives, and counts
                  ERRORs and messages lost. Exit code 0 when all of it is right, 1 otherwise.
                """;
    }
}
