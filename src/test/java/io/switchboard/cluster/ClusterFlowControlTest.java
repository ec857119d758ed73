package io.switchboard.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * Flow control across nodes under policy {@code pause}: a client of node B that does not read
 * pauses the senders on node A that write to it, and only them; it is evicted as a slow
 * consumer and what waited for it ends as DESTINATION_GONE.
 */
class ClusterFlowControlTest {

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.twoNodes("flow:", "switchboard.max-queued-bytes=32KB",
            "switchboard.cluster.max-unconfirmed-bytes=256KB", "switchboard.slow-consumer-timeout=3s");
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    @BeforeAll
    static void started() {
        a = nodes.a();
        b = nodes.b();
    }

    @Test
    void aRemoteClientThatDoesNotReadHoldsUpOnlyItsSendersThenIsEvicted() throws Exception {
        int messages = 2000;
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try (TestClient slow = TestClient.connect(ClusterNodes.tcpPort(b));
                TestClient fast = TestClient.connect(ClusterNodes.tcpPort(b));
                TestClient flooder = TestClient.connect(ClusterNodes.tcpPort(a));
                TestClient other = TestClient.connect(ClusterNodes.tcpPort(a))) {
            // The flooder writes far more than queue, window and socket buffers hold to a client that never reads;
            // its window is larger than the queue, so what does not fit waits in node B's backlog.
            Future<?> flooding = executor.submit(() -> {
                byte[] payload = new byte[4096];
                for (int i = 1; i <= messages; i++) {
                    Wire.putInt(payload, 0, i);
                    flooder.send(slow.id(), payload);
                }
                return null;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> b.getBean(LocalDelivery.class).backlogged() > 0);

            // Meanwhile another client of node A reaches a client of node B at full speed, in order.
            for (int i = 1; i <= 200; i++) {
                byte[] payload = new byte[100];
                Wire.putInt(payload, 0, i);
                other.send(fast.id(), payload);
            }
            for (int i = 1; i <= 200; i++) {
                Message deliver = fast.readDeliver();
                assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(other.id()));
                assertThat(Wire.getInt(deliver.payload(), 0)).isEqualTo(i);
            }
            // The flooder is paused: node A has not read all its SENDs (TCP buffers may hold the rest).
            assertThat(a.getBean(io.switchboard.relay.ClientRegistry.class).get(flooder.id()).messagesIn())
                    .isLessThan(messages);

            // The slow consumer is evicted; everything not written to it ends as DESTINATION_GONE (or, once its ID
            // is gone, UNKNOWN_DESTINATION), one ERROR per seq.
            await().atMost(Duration.ofSeconds(20)).until(() -> b.getBean(io.switchboard.relay.ClientRegistry.class)
                    .get(slow.id()) == null);
            flooding.get(30, TimeUnit.SECONDS);
            // What was written to its socket before the eviction is still readable: delivered.
            java.util.BitSet accounted = new java.util.BitSet();
            try {
                while (true) {
                    accounted.set(Wire.getInt(slow.readDeliver().payload(), 0));
                }
            }
            catch (java.io.EOFException | java.net.SocketException closed) {
                // Read to the end.
            }
            java.util.BitSet delivered = (java.util.BitSet) accounted.clone();
            java.util.BitSet errored = new java.util.BitSet();
            List<SendError> errors = new ArrayList<>();
            while (accounted.cardinality() < messages) {
                SendError error = flooder.readError();
                assertThat(error.dest()).isEqualTo(Integer.toUnsignedLong(slow.id()));
                assertThat(error.code()).isIn(ErrorCode.DESTINATION_GONE, ErrorCode.UNKNOWN_DESTINATION);
                assertThat(errored.get((int) error.seq())).as("one ERROR for seq %d", error.seq()).isFalse();
                errored.set((int) error.seq());
                accounted.set((int) error.seq());
                errors.add(error);
            }
            // The batch being written when the consumer was evicted ends as DESTINATION_GONE as a whole, though
            // the kernel may have taken part of it: the relay cannot know, so such a seq is both read and failed.
            java.util.BitSet both = (java.util.BitSet) errored.clone();
            both.and(delivered);
            assertThat(accounted.nextSetBit(0)).isEqualTo(1);
            assertThat(errors).as("messages waiting for room when the consumer was evicted")
                    .anyMatch(e -> e.code() == ErrorCode.DESTINATION_GONE);
            System.out.printf("%d delivered before the eviction, %d errors, %d of them read too%n",
                    delivered.cardinality(), errors.size(), both.cardinality());
            assertThat(b.getBean(LocalDelivery.class).backlogged()).isZero();
        }
        finally {
            executor.shutdownNow();
        }
    }
}
