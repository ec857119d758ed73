package io.switchboard.client.bench;

import java.io.IOException;
import java.io.PrintStream;

import org.jspecify.annotations.Nullable;

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
        if (options.scenario() == Scenario.CONNECT) {
            return connect(options, progress);
        }
        BenchResult result;
        try {
            result = new BenchRun(options, progress).run();
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
        print(options, result.toJson(), result.summary());
        return result.ok() ? 0 : 1;
    }

    private int connect(BenchOptions options, @Nullable PrintStream progress) {
        ConnectResult result;
        try {
            result = new ConnectRun(options, progress).run();
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
        print(options, result.toJson(), result.summary());
        return result.ok() ? 0 : 1;
    }

    private void print(BenchOptions options, String json, String summary) {
        if (options.json()) {
            this.out.println(json);
            this.err.print(summary);
        }
        else {
            this.out.print(summary);
        }
        this.out.flush();
    }
}
