package io.switchboard.cluster;

import java.io.EOFException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node killed with messages in flight to its client: every SEND of the senders on the
 * surviving nodes is accounted for, delivered before the kill or answered by an ERROR.
 */
class NodeFailureTest {

    static final int MESSAGES = 4000;
    static final int PAYLOAD = 1024;

    static NodeProcess victim;

    /**
     * Small windows, so that the senders are paused with messages in flight when the node dies.
     * The victim's own JVM boots while the other two nodes start here, and is closed before them;
     * the test waits for the three to see each other.
     */
    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension
            .twoNodes("failure:", "switchboard.cluster.max-unconfirmed-bytes=64KB")
            .beforeNodes(redis -> victim = NodeProcess.start("--server.port=0", "--switchboard.tcp.port=0",
                    "--switchboard.max-queued-bytes=64KB", "--switchboard.cluster.enabled=true",
                    "--switchboard.cluster.node-id=victim", "--switchboard.cluster.key-prefix=failure:",
                    "--switchboard.cluster.heartbeat-interval=200ms", "--switchboard.cluster.heartbeat-ttl=1s",
                    "--switchboard.cluster.ack-timeout=3s", "--spring.data.redis.host=127.0.0.1",
                    "--spring.data.redis.port=" + redis.port()))
            .withoutMeshWait();
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    @BeforeAll
    static void started() {
        a = nodes.a();
        b = nodes.b();
    }

    @Test
    void everySendIsAccountedForWhenTheDestinationsNodeDies() throws Exception {
        {
            int victimPort = victim.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.getBean(NodeMembership.class).liveNodes()
                    .containsAll(List.of("victim", "node-b")) && b.getBean(NodeMembership.class).liveNodes()
                    .containsAll(List.of("victim", "node-a")));

            try (TestClient x = TestClient.connect(victimPort); TestClient s1 = TestClient.connect(ClusterNodes.tcpPort(a));
                    TestClient s2 = TestClient.connect(ClusterNodes.tcpPort(b))) {
                List<TestClient> senders = List.of(s1, s2);
                Map<Integer, BitSet> delivered = new ConcurrentHashMap<>();
                Map<Integer, List<SendError>> errors = new ConcurrentHashMap<>();
                senders.forEach(s -> {
                    delivered.put(s.id(), new BitSet());
                    errors.put(s.id(), java.util.Collections.synchronizedList(new ArrayList<>()));
                });

                CountDownLatch someRead = new CountDownLatch(200);
                CountDownLatch killed = new CountDownLatch(1);
                Future<?> reading = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor().submit(() -> {
                    // Read a little, stop reading so that queues and windows fill, then after the kill read what the socket holds.
                    try {
                        while (true) {
                            if (someRead.getCount() == 0) {
                                killed.await();
                            }
                            Message deliver = x.readDeliver();
                            int seq = Wire.getInt(deliver.payload(), 0);
                            BitSet seen = delivered.get((int) deliver.src());
                            synchronized (seen) {
                                assertThat(seen.get(seq)).as("seq %d delivered twice", seq).isFalse();
                                seen.set(seq);
                            }
                            someRead.countDown();
                        }
                    }
                    catch (EOFException | SocketException closed) {
                        return null;
                    }
                });
                List<Future<?>> work = new ArrayList<>();
                var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
                for (TestClient sender : senders) {
                    work.add(executor.submit(() -> {
                        for (int seq = 1; seq <= MESSAGES; seq++) {
                            byte[] payload = new byte[PAYLOAD];
                            Wire.putInt(payload, 0, seq);
                            sender.send(x.id(), payload);
                        }
                        return null;
                    }));
                    executor.submit(() -> {
                        sender.socket().setSoTimeout(30_000);
                        while (true) {
                            errors.get(sender.id()).add(sender.readError());
                        }
                    });
                }
                assertThat(someRead.await(30, TimeUnit.SECONDS)).isTrue();
                await().atMost(Duration.ofSeconds(10)).until(() -> a.getBean(RemoteRouter.class).pendingCount() > 0
                        || b.getBean(RemoteRouter.class).pendingCount() > 0);

                victim.kill();
                killed.countDown();
                reading.get(30, TimeUnit.SECONDS);
                for (Future<?> sending : work) {
                    sending.get(60, TimeUnit.SECONDS);
                }

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (TestClient sender : senders) {
                        BitSet accounted = new BitSet();
                        synchronized (delivered.get(sender.id())) {
                            accounted.or(delivered.get(sender.id()));
                        }
                        List<SendError> got;
                        synchronized (errors.get(sender.id())) {
                            got = List.copyOf(errors.get(sender.id()));
                        }
                        got.forEach(error -> accounted.set((int) error.seq()));
                        assertThat(accounted.cardinality()).as("seqs accounted for, sender %d", sender.id())
                                .isEqualTo(MESSAGES);
                        assertThat(accounted.nextSetBit(0)).isEqualTo(1);
                    }
                });
                for (TestClient sender : senders) {
                    List<SendError> got = List.copyOf(errors.get(sender.id()));
                    assertThat(got).allSatisfy(error -> {
                        assertThat(error.dest()).isEqualTo(Integer.toUnsignedLong(x.id()));
                        assertThat(error.code()).isIn(ErrorCode.DESTINATION_GONE, ErrorCode.UNKNOWN_DESTINATION);
                    });
                    assertThat(got.stream().map(SendError::seq).distinct().count()).as("one ERROR per seq")
                            .isEqualTo(got.size());
                    assertThat(got).as("messages in flight when the node died").isNotEmpty();
                    BitSet both = new BitSet();
                    got.forEach(error -> both.set((int) error.seq()));
                    both.and(delivered.get(sender.id()));
                    System.out.printf("sender %d: %d delivered, %d errors, %d written but unconfirmed when the node died%n",
                            sender.id(), delivered.get(sender.id()).cardinality(), got.size(), both.cardinality());
                }
                executor.shutdownNow();
            }
        }
        assertThat(a.getBean(RemoteRouter.class).pendingCount()).isZero();
    }
}
