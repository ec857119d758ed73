package io.switchboard.benchmark;

import java.util.Collection;
import java.util.Locale;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with its command line, then divides each result by the frames of its {@code shape}
 * parameter: an operation handles a whole read or batch, while the figures worth comparing are
 * per frame. It also gives the best measured iteration beside the mean: on a shared machine the
 * other tenants only ever add time, so the fastest iteration is the nearest to the code's own cost.
 * Listing and help are JMH's own: {@code org.openjdk.jmh.Main -l}.
 */
public final class PerFrameRunner {

    private static final String ALLOCATION = "gc.alloc.rate.norm";

    private PerFrameRunner() {
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results;
        try {
            results = new Runner(new CommandLineOptions(args)).run();
        }
        catch (RunnerException ex) {
            System.err.println(ex.getMessage());
            System.exit(1);
            return;
        }
        System.out.println();
        System.out.println("Per frame (ns/op and B/op divided by the frames of one operation):");
        System.out.printf(Locale.ROOT, "%-36s %-8s %11s %10s %11s %11s %10s %11s %9s%n",
                "Benchmark", "shape", "ns/op", "±", "best ns/op", "B/op", "ns/frame", "best/frame", "B/frame");
        for (RunResult run : results) {
            String shape = run.getParams().getParam("shape");
            int frames = (shape != null) ? FrameShape.parse(shape).frames() : 1;
            Result<?> time = run.getPrimaryResult();
            Result<?> allocation = run.getSecondaryResults().get(ALLOCATION);
            double bytes = (allocation != null) ? allocation.getScore() : Double.NaN;
            double best = best(run);
            System.out.printf(Locale.ROOT, "%-36s %-8s %11.1f %10.1f %11.1f %11.1f %10.1f %11.1f %9.1f%n",
                    simpleName(run.getParams().getBenchmark()), shape, time.getScore(), time.getScoreError(), best,
                    bytes, time.getScore() / frames, best / frames, bytes / frames);
        }
        if (!results.isEmpty() && !results.iterator().next().getPrimaryResult().getScoreUnit().equals("ns/op")) {
            System.out.println("(the time unit is " + results.iterator().next().getPrimaryResult().getScoreUnit() + ", not ns/op)");
        }
    }

    /** The lowest time of an iteration; NaN for a throughput, where lower is not better. */
    private static double best(RunResult run) {
        double best = Double.NaN;
        if (!run.getPrimaryResult().getScoreUnit().endsWith("/op")) {
            return best;
        }
        for (BenchmarkResult fork : run.getBenchmarkResults()) {
            for (IterationResult iteration : fork.getIterationResults()) {
                double score = iteration.getPrimaryResult().getScore();
                if (Double.isNaN(best) || score < best) {
                    best = score;
                }
            }
        }
        return best;
    }

    private static String simpleName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return (parts.length >= 2) ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }
}
