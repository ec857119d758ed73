package io.switchboard.client.bench;

import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code bench HOST:PORT --scenario S [options]}: a load test of a Switchboard server that
 * also checks what it receives, so that a fast but wrong server fails it (exit code 1).
 */
public final class BenchCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    /**
     * @param terminal whether standard error is a terminal: progress lines are printed there
     */
    public BenchCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** Runs with the arguments after {@code bench}; returns the exit code. */
    public int run(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            this.out.print(BenchOptions.usage());
            return 0;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        }
        catch (IllegalArgumentException ex) {
            this.err.println("bench: " + ex.getMessage());
            this.err.print(BenchOptions.usage());
            return 2;
        }
        PrintStream progress = (this.terminal || options.progress()) ? this.err : null;
        BenchReport result;
        try {
            result = (options.scenario() == Scenario.CONNECT) ? new ConnectRun(options, progress).run()
                    : new BenchRun(options, progress).run();
        }
        catch (IOException ex) {
            this.err.println("bench: cannot run against " + options.server() + ": " + ex.getMessage());
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
}
