package io.switchboard.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import io.switchboard.cli.BuildVersion;
import io.switchboard.client.ClientTls;
import io.switchboard.cli.ConnectionErrors;
import io.switchboard.cli.DurationConverter;
import io.switchboard.cli.HostPort;
import io.switchboard.cli.TokenOption;
import io.switchboard.cli.TlsOptions;

/**
 * {@code bench HOST:PORT --scenario S [options]}: a load test of a Switchboard server that
 * also checks what it receives, so that a fast but wrong server fails it (exit code 1). Option
 * names and defaults are those of the neutral load generator swload, so that figures compare.
 */
@Command(name = "bench", header = "a load test that checks every message it receives", sortOptions = false,
        usageHelpWidth = 100, mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        synopsisHeading = "", customSynopsis = "usage: java -jar switchboard.jar bench HOST:PORT --scenario S [options]",
        description = {
            "scenarios:",
            "  pairs    C clients in pairs, M-byte messages, W in flight each: delivered msgs/s, MB/s",
            "  latency  pairs at a fixed aggregate rate R: latency p50/p99/p99.9/max",
            "  fanin    C-1 senders, W in flight each, to one receiver",
            "  slow     latency, plus K clients flooding one more client that never reads",
            "  connect  C connections, W connects in flight, each greeted: connects/s; all then",
            "           held open for D, and the server's RSS per client (with --server-pid)",
            "options (defaults as the neutral load generator swload has them):" },
        footer = {
            "Every payload carries its sender, a sequence number and its send time, padded",
            "with a pattern: the run checks order and every byte of what arrives, and counts",
            "ERRORs and messages lost. Exit code 0 when all of it is right, 1 otherwise." })
public final class BenchCommand implements Callable<Integer> {

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "HOST:PORT", description = "the server's relay port", converter = HostPort.Converter.class)
    private HostPort server;

    @Option(names = { "-s", "--scenario" }, paramLabel = "S", converter = ScenarioConverter.class,
            description = "pairs, latency, fanin, slow or connect")
    private Scenario scenario;

    @Option(names = { "-c", "--clients" }, paramLabel = "C", defaultValue = "100", converter = WholeNumber.class,
            description = "clients (default ${DEFAULT-VALUE})")
    private int clients;

    @Option(names = { "-m", "--size" }, paramLabel = "M", defaultValue = "64", converter = WholeNumber.class,
            description = "payload bytes, at least 16 (default ${DEFAULT-VALUE})")
    private int size;

    @Option(names = { "-w", "--window" }, paramLabel = "W", defaultValue = "64", converter = WholeNumber.class,
            description = "messages in flight per sender; connects in flight (default ${DEFAULT-VALUE})")
    private int window;

    @Option(names = { "-r", "--rate" }, paramLabel = "R", defaultValue = "20000", converter = WholeNumber.class,
            description = "aggregate msgs/s for latency and slow (default ${DEFAULT-VALUE})")
    private int rate;

    @Option(names = { "-k", "--flooders" }, paramLabel = "K", defaultValue = "4", converter = WholeNumber.class,
            description = "flooding clients for slow (default ${DEFAULT-VALUE})")
    private int flooders;

    @Option(names = { "-d", "--duration" }, paramLabel = "D", defaultValue = "10s", converter = DurationConverter.class,
            description = "measured time: 10s, 500ms, 2m; a bare number is seconds (default ${DEFAULT-VALUE})")
    private Duration duration;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "1s", converter = DurationConverter.class,
            description = "unmeasured time first (default ${DEFAULT-VALUE})")
    private Duration warmup;

    @Option(names = "--drain", paramLabel = "D", defaultValue = "3s", converter = DurationConverter.class,
            description = "longest wait for messages in flight at the end (default ${DEFAULT-VALUE})")
    private Duration drain;

    @Option(names = "--server-pid", paramLabel = "P", defaultValue = "0",
            description = "the server's PID: reports its CPU time per message (and memory)")
    private long serverPid;

    @Option(names = "--other-node", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
            description = "cluster mode: the second client of each pair (fanin: the receiver) connects to this node")
    private HostPort otherNode;

    @Option(names = "--other-node-pid", paramLabel = "P", defaultValue = "0",
            description = "that node's PID: its CPU time counts with the server's")
    private long otherNodePid;

    @Option(names = "--json", description = "one JSON line on stdout (the summary goes to stderr)")
    private boolean json;

    @Option(names = "--progress", description = "a progress line each second even when not on a terminal")
    private boolean progress;

    @Mixin
    private TokenOption token = new TokenOption();

    @Mixin
    private TlsOptions tls = new TlsOptions();

    /**
     * @param terminal whether standard error is a terminal: progress lines are printed there
     */
    public BenchCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        if (this.scenario == null) {
            throw new CommandLine.ParameterException(this.spec.commandLine(),
                    "--scenario is missing: pairs, latency, fanin, slow or connect");
        }
        ClientTls clientTls;
        try {
            clientTls = this.tls.clientTls();
        }
        catch (IOException ex) {
            this.err.println("bench: " + ex.getMessage());
            return 1;
        }
        BenchOptions options;
        try {
            options = new BenchOptions(this.server, this.scenario, this.clients, this.size, this.window, this.rate,
                    this.flooders, this.duration, this.warmup, this.drain, this.serverPid, this.json, this.progress,
                    this.token.token(), clientTls, this.otherNode, this.otherNodePid);
        }
        catch (IllegalArgumentException ex) {
            throw new CommandLine.ParameterException(this.spec.commandLine(), ex.getMessage());
        }
        return run(options);
    }

    private int run(BenchOptions options) {
        PrintStream progressOut = (this.terminal || options.progress()) ? this.err : null;
        BenchReport result;
        try {
            result = (options.scenario() == Scenario.CONNECT) ? new ConnectRun(options, progressOut).run()
                    : new BenchRun(options, progressOut).run();
        }
        catch (IOException ex) {
            this.err.println("bench: cannot run against " + options.server() + ": " + ConnectionErrors.describe(ex));
            return 1;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.err.println("bench: interrupted");
            return 1;
        }
        if (options.json()) {
            this.out.println(result.toJson());
            this.err.print(result.summary());
        }
        else {
            this.out.print(result.summary());
        }
        this.out.flush();
        return result.ok() ? 0 : 1;
    }

    static final class ScenarioConverter implements CommandLine.ITypeConverter<Scenario> {
        @Override
        public Scenario convert(String value) {
            try {
                return Scenario.parse(value);
            }
            catch (IllegalArgumentException ex) {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }

    /** Whole numbers, with {@code _} between digits allowed: {@code 20_000}. */
    static final class WholeNumber implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                return Integer.parseInt(value.replace("_", ""));
            }
            catch (NumberFormatException ex) {
                throw new CommandLine.TypeConversionException("needs a whole number, got '" + value + "'");
            }
        }
    }
}
