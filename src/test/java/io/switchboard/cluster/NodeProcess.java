package io.switchboard.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node in a JVM of its own, so that a test can kill it as abruptly as a crash: no shutdown
 * hook, no leaving the cluster, sockets closed by the operating system.
 */
final class NodeProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Relay listening on TCP port (\\d+)");

    private final Process process;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Boolean> joined = new CompletableFuture<>();
    private final Path log;

    private NodeProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread.ofVirtual().name("node-process-output").start(this::pump);
    }

    static NodeProcess start(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                "io.switchboard.SwitchboardApplication"));
        command.addAll(List.of(arguments));
        Path log = Files.createTempFile("switchboard-node", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new NodeProcess(process, log);
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(this.process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                Files.writeString(this.log, line + System.lineSeparator(), StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.APPEND);
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    this.port.complete(Integer.parseInt(matcher.group(1)));
                }
                if (line.contains("joined the cluster")) {
                    this.joined.complete(true);
                }
            }
        }
        catch (IOException ex) {
            // The process is gone.
        }
        this.port.completeExceptionally(new IllegalStateException("node exited; its log: " + this.log));
        this.joined.completeExceptionally(new IllegalStateException("node exited; its log: " + this.log));
    }

    /** Waits until the node has joined the cluster and listens, and answers its TCP port. */
    int awaitReady(Duration timeout) throws Exception {
        this.joined.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return this.port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGKILL. */
    void kill() throws InterruptedException {
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
