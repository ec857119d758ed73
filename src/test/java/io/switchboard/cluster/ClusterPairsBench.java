package io.switchboard.cluster;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.support.TestClient;

/**
 * What cluster mode costs: the bench's "pairs" scenario (C clients in pairs, M-byte messages, W
 * in flight per sender) with both clients of each pair on one node, then on two nodes. Not part
 * of the build: {@code ./mvnw -B -q test -Dtest=ClusterPairsBench -Dcluster.bench=true}. It
 * prints numbers and asserts nothing about them.
 */
@EnabledIfSystemProperty(named = "cluster.bench", matches = "true")
class ClusterPairsBench {

    static final int PAIRS = Integer.getInteger("cluster.bench.pairs", 50);
    static final int SIZE = Integer.getInteger("cluster.bench.size", 64);
    static final int WINDOW = Integer.getInteger("cluster.bench.window", 64);
    static final Duration WARMUP = Duration.ofSeconds(2);
    static final Duration MEASURED = Duration.ofSeconds(Integer.getInteger("cluster.bench.seconds", 10));

    @Test
    void pairsOnOneNodeThenOnTwo() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.onNewRedis("bench:")) {
            ConfigurableApplicationContext a = cluster.start("node-a", "logging.level.root=WARN");
            ConfigurableApplicationContext b = cluster.start("node-b", "logging.level.root=WARN");
            cluster.awaitMesh();
            double oneNode = run(ClusterNodes.tcpPort(a), ClusterNodes.tcpPort(a));
            double twoNodes = run(ClusterNodes.tcpPort(a), ClusterNodes.tcpPort(b));
            System.out.printf("%nBENCH pairs: %d pairs, %d-byte payloads, window %d, %ds measured%n", PAIRS, SIZE, WINDOW,
                    MEASURED.toSeconds());
            System.out.printf("BENCH both clients on one node : %,.0f msgs/s (%.1f MB/s)%n", oneNode, oneNode * SIZE / 1e6);
            System.out.printf("BENCH clients on two nodes     : %,.0f msgs/s (%.1f MB/s), %.0f%% of one node%n", twoNodes,
                    twoNodes * SIZE / 1e6, 100 * twoNodes / oneNode);
        }
    }

    /** Delivered messages per second, senders connected to {@code senderPort}, receivers to {@code receiverPort}. */
    private static double run(int senderPort, int receiverPort) throws Exception {
        List<TestClient> clients = new ArrayList<>();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        AtomicBoolean running = new AtomicBoolean(true);
        LongAdder delivered = new LongAdder();
        try {
            for (int i = 0; i < PAIRS; i++) {
                TestClient sender = TestClient.connect(senderPort);
                TestClient receiver = TestClient.connect(receiverPort);
                clients.add(sender);
                clients.add(receiver);
                Semaphore window = new Semaphore(WINDOW);
                threads.submit(() -> {
                    byte[] frame = TestClient.sendFrame(receiver.id(), new byte[SIZE]);
                    OutputStream out = new BufferedOutputStream(sender.socket().getOutputStream(), 64 * 1024);
                    while (running.get()) {
                        if (!window.tryAcquire()) {
                            out.flush();
                            if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                                continue;
                            }
                        }
                        out.write(frame);
                    }
                    return null;
                });
                threads.submit(() -> {
                    while (running.get()) {
                        Incoming frame = receiver.read();
                        if (frame instanceof Message) {
                            delivered.increment();
                            window.release();
                        }
                    }
                    return null;
                });
            }
            await(WARMUP);
            long before = delivered.sum();
            long start = System.nanoTime();
            await(MEASURED);
            long count = delivered.sum() - before;
            return count / ((System.nanoTime() - start) / 1e9);
        }
        finally {
            running.set(false);
            for (TestClient client : clients) {
                client.close();
            }
            threads.shutdownNow();
        }
    }

    /** The bench measures over a fixed time, which is what it waits for here: not synchronisation. */
    private static void await(Duration duration) throws InterruptedException {
        new java.util.concurrent.CountDownLatch(1).await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }
}
