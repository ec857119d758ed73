package io.switchboard.benchmark;

import java.util.Collection;
import java.util.Locale;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with its command line, then divides each result by the frames of its {@code shape}
 * parameter: an operation handles a whole read or batch, while the figures worth comparing are
 * per frame. Listing and help are JMH's own: {@code org.openjdk.jmh.Main -l}.
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
        System.out.printf(Locale.ROOT, "%-40s %-8s %11s %10s %11s %12s %11s%n",
                "Benchmark", "shape", "ns/op", "±", "B/op", "ns/frame", "B/frame");
        for (RunResult run : results) {
            String shape = run.getParams().getParam("shape");
            int frames = (shape != null) ? FrameShape.parse(shape).frames() : 1;
            Result<?> time = run.getPrimaryResult();
            Result<?> allocation = run.getSecondaryResults().get(ALLOCATION);
            double bytes = (allocation != null) ? allocation.getScore() : Double.NaN;
            System.out.printf(Locale.ROOT, "%-40s %-8s %11.1f %10.1f %11.1f %12.2f %11.1f%n",
                    simpleName(run.getParams().getBenchmark()), shape, time.getScore(), time.getScoreError(),
                    bytes, time.getScore() / frames, bytes / frames);
        }
        if (!results.isEmpty() && !results.iterator().next().getPrimaryResult().getScoreUnit().equals("ns/op")) {
            System.out.println("(the time unit is " + results.iterator().next().getPrimaryResult().getScoreUnit() + ", not ns/op)");
        }
    }

    private static String simpleName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return (parts.length >= 2) ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }
}
