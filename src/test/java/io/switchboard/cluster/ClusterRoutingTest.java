package io.switchboard.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** Three nodes, one Redis: clients on different nodes talk as if on one server. */
class ClusterRoutingTest {

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.threeNodes("routing:");
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;
    static ConfigurableApplicationContext c;

    @BeforeAll
    static void started() {
        a = nodes.a();
        b = nodes.b();
        c = nodes.c();
    }

    static TestClient connect(ConfigurableApplicationContext node) throws Exception {
        return TestClient.connect(ClusterNodes.tcpPort(node));
    }

    /**
     * A busy link runs thousands of Redis commands a second: no node times or traces each one,
     * neither with Boot's observation of Lettuce nor with Lettuce's own latency histograms.
     */
    @Test
    void redisCommandsAreNotObservedOneByOne() throws Exception {
        try (TestClient onA = connect(a); TestClient onB = connect(b)) {
            onA.send(onB.id(), "traced?".getBytes());
            assertThat(onB.readDeliver().payload()).isEqualTo("traced?".getBytes());
        }
        for (ConfigurableApplicationContext node : List.of(a, b, c)) {
            ClientResources resources = node.getBean(ClientResources.class);
            assertThat(resources.tracing().isEnabled()).isFalse();
            assertThat(resources.commandLatencyRecorder().isEnabled()).isFalse();
            assertThat(node.getBean(MeterRegistry.class).getMeters())
                    .noneMatch(meter -> meter.getId().getName().startsWith("lettuce"));
        }
    }

    @Test
    void idsAreUniqueAcrossNodes() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try {
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                for (ConfigurableApplicationContext node : List.of(a, b, c)) {
                    TestClient client = connect(node);
                    clients.add(client);
                    assertThat(client.id()).isNotZero();
                    assertThat(ids.add(client.id())).as("ID %d given twice", client.id()).isTrue();
                }
            }
        }
        finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void clientsOnDifferentNodesExchangeByteExactOrderedMessages() throws Exception {
        try (TestClient onA = connect(a); TestClient onB = connect(b); TestClient onC = connect(c)) {
            Random random = new Random(7);
            List<byte[]> toB = new ArrayList<>();
            List<byte[]> toC = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                byte[] payload = new byte[random.nextInt(i % 50 == 0 ? 70_000 : 300)];
                random.nextBytes(payload);
                List<byte[]> sent = (i % 2 == 0) ? toB : toC;
                sent.add(payload);
                onA.send((i % 2 == 0) ? onB.id() : onC.id(), payload);
            }
            for (byte[] expected : toB) {
                Message deliver = onB.readDeliver();
                assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(onA.id()));
                assertThat(deliver.payload()).isEqualTo(expected);
            }
            for (byte[] expected : toC) {
                Message deliver = onC.readDeliver();
                assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(onA.id()));
                assertThat(deliver.payload()).isEqualTo(expected);
            }
            // And back the other way, empty payload included.
            onC.send(onA.id(), new byte[0]);
            onB.send(onA.id(), "from b".getBytes());
            List<Message> back = List.of(onA.readDeliver(), onA.readDeliver());
            assertThat(back).extracting(Message::src).containsExactlyInAnyOrder(Integer.toUnsignedLong(onB.id()), Integer.toUnsignedLong(onC.id()));
        }
    }

    @Test
    void unknownIdGetsUnknownDestination() throws Exception {
        try (TestClient onA = connect(a); TestClient onB = connect(b)) {
            int gone = onB.id();
            onB.close();
            long seq1 = onA.send(4_000_000_000L > 0 ? (int) 4_000_000_000L : 0, "x".getBytes());
            assertThat(onA.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 4_000_000_000L, seq1));
            long seq2 = onA.send(0, "operator".getBytes());
            assertThat(onA.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 0, seq2));
            // Once its node has noticed the disconnect, the ID is unknown everywhere.
            org.awaitility.Awaitility.await().until(() -> a.getBean(RemoteRouter.class).holderOf(gone) == null
                    || sendAndReadError(onA, gone));
        }
    }

    private static boolean sendAndReadError(TestClient client, int dest) throws Exception {
        long seq = client.send(dest, new byte[1]);
        SendError error = client.readError();
        return error.equals(new SendError(ErrorCode.UNKNOWN_DESTINATION, Integer.toUnsignedLong(dest), seq));
    }

    @Test
    void directoryCoversEveryNode() throws Exception {
        ClusterDirectory directory = a.getBean(ClusterDirectory.class);
        try (TestClient onA = connect(a); TestClient onB = connect(b); TestClient onC = connect(c)) {
            ClusterDirectory.ClientsPage page = directory.clients(0, 10_000);
            assertThat(page.unanswered()).isEmpty();
            assertThat(page.clients()).extracting(ClusterDirectory.ClusterClient::id, ClusterDirectory.ClusterClient::node)
                    .contains(org.assertj.core.groups.Tuple.tuple(Integer.toUnsignedLong(onA.id()), "node-a"),
                            org.assertj.core.groups.Tuple.tuple(Integer.toUnsignedLong(onB.id()), "node-b"),
                            org.assertj.core.groups.Tuple.tuple(Integer.toUnsignedLong(onC.id()), "node-c"));
            assertThat(page.clients()).isSortedAccordingTo(java.util.Comparator.comparingLong(ClusterDirectory.ClusterClient::id));

            // Paging: one client per page walks the same IDs in order.
            List<Long> walked = new ArrayList<>();
            long after = 0;
            ClusterDirectory.ClientsPage one;
            do {
                one = directory.clients(after, 1);
                assertThat(one.clients()).hasSizeLessThanOrEqualTo(1);
                one.clients().forEach(client -> walked.add(client.id()));
                after = one.clients().isEmpty() ? after : one.clients().get(0).id();
            }
            while (one.more());
            assertThat(walked).containsExactlyElementsOf(page.clients().stream().map(ClusterDirectory.ClusterClient::id).toList());

            assertThat(directory.nodeOf(Integer.toUnsignedLong(onC.id()))).contains("node-c");
            assertThat(directory.client(Integer.toUnsignedLong(onB.id()))).get()
                    .extracting(ClusterDirectory.ClusterClient::node).isEqualTo("node-b");

            // The operator's message to a client of another node, with its outcome.
            java.util.concurrent.CompletableFuture<Boolean> written = new java.util.concurrent.CompletableFuture<>();
            io.switchboard.relay.MessageOrigin origin = new io.switchboard.relay.MessageOrigin() {
                @Override
                public void delivered(int dest, long seq) {
                    written.complete(true);
                }

                @Override
                public void failed(ErrorCode code, int dest, long seq) {
                    written.complete(false);
                }
            };
            assertThat(directory.send(Integer.toUnsignedLong(onC.id()), "op".getBytes(), origin, 0))
                    .isEqualTo(io.switchboard.relay.OfferResult.QUEUED);
            Message fromOperator = onC.readDeliver();
            assertThat(fromOperator.src()).isZero();
            assertThat(fromOperator.payload()).isEqualTo("op".getBytes());
            assertThat(written.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(directory.send(4_000_000_001L, new byte[0], origin, 0)).isEqualTo(io.switchboard.relay.OfferResult.CLOSED);

            // Broadcast reaches the clients of every node.
            ClusterDirectory.BroadcastResult broadcast = directory.broadcast("all".getBytes());
            assertThat(broadcast.unanswered()).isEmpty();
            assertThat(broadcast.recipients()).isGreaterThanOrEqualTo(3);
            for (TestClient client : List.of(onA, onB, onC)) {
                Message deliver = client.readDeliver();
                assertThat(deliver.src()).isZero();
                assertThat(deliver.payload()).isEqualTo("all".getBytes());
            }

            // Disconnecting a client of another node.
            assertThat(directory.disconnect(Integer.toUnsignedLong(onB.id()))).isTrue();
            assertThat(onB.awaitClosedByServer(java.time.Duration.ofSeconds(10))).isTrue();
            assertThat(directory.disconnect(4_000_000_002L)).isFalse();
        }
    }
}
