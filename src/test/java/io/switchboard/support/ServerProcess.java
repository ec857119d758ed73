package io.switchboard.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application in a JVM of its own, started from the test class path: for a test that must
 * kill it as abruptly as a crash, or run it under JVM options of its own, such as a small heap
 * that exits on OutOfMemoryError. Its output goes to a log file, and its ports are read from it.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Pattern RELAY_PORT = Pattern.compile("Relay listening on TCP port (\\d+)");
    private static final Pattern HTTP_PORT = Pattern.compile("Tomcat started on port (\\d+)");

    private final Process process;
    private final CompletableFuture<Integer> relayPort = new CompletableFuture<>();
    private final CompletableFuture<Integer> httpPort = new CompletableFuture<>();
    private final List<Watch> watches = new ArrayList<>();
    private final Path log;

    private record Watch(String fragment, CompletableFuture<Void> seen) {
    }

    private ServerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread.ofVirtual().name("server-process-output").start(this::pump);
    }

    /**
     * Starts the application's main class in a new JVM.
     * @param jvmOptions such as {@code -Xmx128m}; the JIT's first tier is always added, for a fast start
     * @param arguments the application's command line
     */
    public static ServerProcess start(List<String> jvmOptions, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.switchboard.SwitchboardApplication"));
        command.addAll(List.of(arguments));
        Path log = Files.createTempFile("switchboard-server", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ServerProcess(process, log);
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(this.process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                complete(RELAY_PORT.matcher(line), this.relayPort);
                complete(HTTP_PORT.matcher(line), this.httpPort);
                synchronized (this.watches) {
                    Files.writeString(this.log, line + System.lineSeparator(), StandardCharsets.UTF_8,
                            StandardOpenOption.APPEND);
                    for (Watch watch : this.watches) {
                        if (line.contains(watch.fragment())) {
                            watch.seen().complete(null);
                        }
                    }
                }
            }
        }
        catch (IOException ex) {
            // The process is gone.
        }
        IllegalStateException exited = new IllegalStateException("the server exited; its log: " + this.log);
        this.relayPort.completeExceptionally(exited);
        this.httpPort.completeExceptionally(exited);
        synchronized (this.watches) {
            this.watches.forEach(watch -> watch.seen().completeExceptionally(exited));
        }
    }

    private static void complete(Matcher matcher, CompletableFuture<Integer> port) {
        if (matcher.find()) {
            port.complete(Integer.parseInt(matcher.group(1)));
        }
    }

    /** Completes when a line containing {@code fragment} has been logged, or once it is. */
    public CompletableFuture<Void> watch(String fragment) throws IOException {
        Watch watch = new Watch(fragment, new CompletableFuture<>());
        synchronized (this.watches) {
            if (output().contains(fragment)) {
                watch.seen().complete(null);
            }
            this.watches.add(watch);
        }
        return watch.seen();
    }

    /** The relay's TCP port, once it listens. */
    public int awaitRelayPort(Duration timeout) throws Exception {
        return this.relayPort.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The HTTP port, once the web server has started. */
    public int awaitHttpPort(Duration timeout) throws Exception {
        return this.httpPort.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isAlive() {
        return this.process.isAlive();
    }

    /** What the server has logged so far. */
    public String output() throws IOException {
        return Files.readString(this.log, StandardCharsets.UTF_8);
    }

    public Path logFile() {
        return this.log;
    }

    /** Sends the process a signal, such as {@code STOP} (frozen, as by a long pause) or {@code CONT}. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(this.process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " failed: " + new String(kill.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        this.process.destroyForcibly();
        this.process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (this.process.isAlive()) {
            kill();
        }
    }
}
