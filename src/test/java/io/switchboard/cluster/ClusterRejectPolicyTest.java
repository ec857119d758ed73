package io.switchboard.cluster;

import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Policy {@code reject} across nodes: a full remote queue answers DESTINATION_BUSY and the sender reads on. */
class ClusterRejectPolicyTest {

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.twoNodes("reject:", "switchboard.overflow-policy=reject",
            "switchboard.max-queued-bytes=16KB");
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    @BeforeAll
    static void started() {
        a = nodes.a();
        b = nodes.b();
    }

    @Test
    void aFullRemoteQueueAnswersBusyAndEverySeqHasOneOutcome() throws Exception {
        int messages = 3000;
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try (TestClient slow = TestClient.connect(ClusterNodes.tcpPort(b));
                TestClient flooder = TestClient.connect(ClusterNodes.tcpPort(a))) {
            Future<?> flooding = executor.submit(() -> {
                byte[] payload = new byte[4096];
                for (int i = 1; i <= messages; i++) {
                    Wire.putInt(payload, 0, i);
                    flooder.send(slow.id(), payload);
                }
                return null;
            });
            // The sender is never paused: node A reads all it wrote while its destination reads nothing.
            await().atMost(Duration.ofSeconds(30)).until(() -> a.getBean(ClientRegistry.class).get(flooder.id())
                    .messagesIn() == messages);
            flooding.get();

            BitSet delivered = new BitSet();
            Future<?> reading = executor.submit(() -> {
                while (true) {
                    Message deliver = slow.readDeliver();
                    int seq = Wire.getInt(deliver.payload(), 0);
                    synchronized (delivered) {
                        assertThat(delivered.get(seq)).isFalse();
                        delivered.set(seq);
                    }
                }
            });
            BitSet busy = new BitSet();
            executor.submit(() -> {
                while (true) {
                    SendError error = flooder.readError();
                    assertThat(error.code()).isEqualTo(ErrorCode.DESTINATION_BUSY);
                    assertThat(error.dest()).isEqualTo(Integer.toUnsignedLong(slow.id()));
                    synchronized (delivered) {
                        assertThat(busy.get((int) error.seq())).isFalse();
                        busy.set((int) error.seq());
                    }
                }
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                synchronized (delivered) {
                    BitSet all = (BitSet) delivered.clone();
                    all.or(busy);
                    assertThat(all.cardinality()).as("accounted for: %d delivered, %d busy, %d unconfirmed on A, first missing %d",
                            delivered.cardinality(), busy.cardinality(), a.getBean(RemoteRouter.class).pendingCount(),
                            all.nextClearBit(1)).isEqualTo(messages);
                }
            });
            synchronized (delivered) {
                BitSet both = (BitSet) delivered.clone();
                both.and(busy);
                assertThat(both.isEmpty()).as("no seq both delivered and rejected").isTrue();
                assertThat(delivered.cardinality() + busy.cardinality()).isEqualTo(messages);
            }
            assertThat(busy.cardinality()).isPositive();
            assertThat(reading).isNotDone();
        }
        finally {
            executor.shutdownNow();
        }
    }
}
