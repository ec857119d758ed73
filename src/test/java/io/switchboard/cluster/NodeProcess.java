package io.switchboard.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.switchboard.support.ServerProcess;

/**
 * A node in a JVM of its own, so that a test can kill it as abruptly as a crash: no shutdown
 * hook, no leaving the cluster, sockets closed by the operating system.
 */
final class NodeProcess implements AutoCloseable {

    private final ServerProcess process;
    private final CompletableFuture<Void> joined;

    private NodeProcess(ServerProcess process) throws IOException {
        this.process = process;
        this.joined = process.watch("joined the cluster");
    }

    static NodeProcess start(String... arguments) throws IOException {
        return new NodeProcess(ServerProcess.start(List.of("-Xmx256m"), arguments));
    }

    /** Waits until the node has joined the cluster and listens, and answers its TCP port. */
    int awaitReady(Duration timeout) throws Exception {
        this.joined.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return this.process.awaitRelayPort(timeout);
    }

    /** The HTTP port, once the web server has started. */
    int httpPort(Duration timeout) throws Exception {
        return this.process.awaitHttpPort(timeout);
    }

    /** What the node has logged so far. */
    String output() throws IOException {
        return this.process.output();
    }

    /** SIGSTOP: frozen, every thread, as in a long garbage collection or a stalled VM. */
    void pause() throws IOException, InterruptedException {
        this.process.signal("STOP");
    }

    /** SIGCONT. */
    void resume() throws IOException, InterruptedException {
        this.process.signal("CONT");
    }

    /** SIGKILL. */
    void kill() throws InterruptedException {
        this.process.kill();
    }

    @Override
    public void close() throws InterruptedException {
        this.process.close();
    }
}
