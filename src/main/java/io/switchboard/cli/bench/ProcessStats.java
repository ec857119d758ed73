package io.switchboard.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and memory of this process and of the server under test, where the OS tells. */
final class ProcessStats {

    private ProcessStats() {
    }

    /** This process's CPU time so far, in nanoseconds; -1 when the JVM does not tell. */
    static long ownCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The CPU seconds of process {@code pid} so far; NaN when not known. */
    static double cpuSeconds(long pid) {
        if (pid <= 0) {
            return Double.NaN;
        }
        return ProcessHandle.of(pid).flatMap((process) -> process.info().totalCpuDuration())
                .map((cpu) -> cpu.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** The resident memory of process {@code pid}, in kilobytes, from /proc; -1 when not known. */
    static long rssKilobytes(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | RuntimeException ex) {
            // not Linux, or the process is gone: unknown
        }
        return -1;
    }
}
