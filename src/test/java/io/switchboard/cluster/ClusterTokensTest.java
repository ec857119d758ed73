package io.switchboard.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.admin.AdminHttp;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Token mode (PROTOCOL.md sections 8 and 10) on two nodes that share one real Redis and one
 * secret: a stable ID taken over by a newer connection on the other node, with every message
 * sent to it accounted for; the assigned range on both nodes; and random IDs across nodes.
 */
class ClusterTokensTest {

    static final String PASSWORD = "cluster-tokens-operator-password";
    static final int STABLE_ID = 77;
    static final long FIRST_ASSIGNED_ID = 2147483648L;
    static final long LAST_ID = 4294967295L;
    static final Duration PATIENCE = Duration.ofSeconds(30);
    /** A receive buffer small enough that a client that does not read fills its queue soon. */
    static final int SMALL_RECEIVE_BUFFER = 4096;
    static final int MAX_QUEUED = 64 * 1024;
    /** Payload of the flood's messages: a queue of 64 KiB holds 16. */
    static final int SIZE = 4000;

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.twoNodes("tokens:", tokenMode());
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    private final List<TestClient> clients = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    /** Token mode with the test secret, a small queue, no slow-consumer eviction while a test needs a stuck client. */
    static String[] tokenMode(String... more) {
        List<String> settings = new ArrayList<>(List.of("switchboard.auth.mode=token",
                "switchboard.auth.jwt.secret=" + Tokens.SECRET, "switchboard.admin.password=" + PASSWORD,
                "switchboard.max-queued-bytes=" + MAX_QUEUED, "switchboard.cluster.max-unconfirmed-bytes=256KB",
                "switchboard.slow-consumer-timeout=5m"));
        settings.addAll(List.of(more));
        return settings.toArray(String[]::new);
    }

    @BeforeAll
    static void started() {
        a = nodes.a();
        b = nodes.b();
    }

    @BeforeEach
    void awaitClientsOfEarlierTestsGone() {
        await().atMost(PATIENCE).until(() -> List.of(a, b).stream()
                .allMatch(node -> node.getBean(ClientRegistry.class).size() == 0));
    }

    @AfterEach
    void closeClients() throws IOException {
        for (TestClient client : this.clients) {
            client.close();
        }
        this.threads.shutdownNow();
    }

    TestClient track(TestClient client) {
        this.clients.add(client);
        return client;
    }

    /** A connection admitted with {@code claims} (valid for an hour). */
    TestClient admitted(ConfigurableApplicationContext node, Map<String, Object> claims, int receiveBuffer)
            throws IOException {
        TestClient client = track(TestClient.connectWithToken(ClusterNodes.tcpPort(node), Tokens.hs256(claims),
                receiveBuffer));
        assertThat(Integer.toUnsignedLong(client.id())).as("greeting: admitted").isNotZero();
        return client;
    }

    TestClient admitted(ConfigurableApplicationContext node, Map<String, Object> claims) throws IOException {
        return admitted(node, claims, 0);
    }

    static Map<String, Object> stable77() {
        return Map.of("sid", STABLE_ID, "sub", "device-77");
    }

    static ClientSession session(ConfigurableApplicationContext node, int id) {
        return node.getBean(ClientRegistry.class).get(id);
    }

    /** Whether client {@code id} of {@code node} has no room in its queue for one more flood message. */
    static boolean isFull(ConfigurableApplicationContext node, int id) {
        ClientSession session = session(node, id);
        return session != null && session.queuedBytes() + SIZE > MAX_QUEUED;
    }

    /**
     * {@code sender} sends tagged messages to {@code dest} until {@code stop}, each registered in
     * {@code ledger} before it is written. While {@code full} answers true it sends one every few
     * milliseconds only (a pace, not a wait: nothing waits on it); under pause its writes block
     * while the server does not read it.
     * @return the seq of the last SEND, once the flood has stopped
     */
    Future<Long> flood(TestClient sender, int dest, OutcomeLedger ledger, AtomicBoolean stop, BooleanSupplier full) {
        return this.threads.submit(() -> {
            long seq = sender.sent();
            while (!stop.get()) {
                if (full.getAsBoolean()) {
                    LockSupport.parkNanos(2_000_000);
                }
                seq++;
                ledger.sent(sender.id(), seq, dest);
                sender.send(dest, TaggedPayload.of(sender.id(), seq, SIZE));
                assertThat(seq).as("messages in one flood").isLessThan(100_000);
            }
            return seq;
        });
    }

    /** Reads a sender's frames into the ledger: ERRORs only, as nobody sends to it. */
    static FrameCollector senderFrames(TestClient sender, OutcomeLedger ledger, List<Incoming> unexpected)
            throws IOException {
        return FrameCollector.start(sender, Duration.ofMinutes(2), frame -> {
            switch (frame) {
                case SendError error -> ledger.failed(sender.id(), error);
                case Message deliver -> unexpected.add(deliver);
            }
        });
    }

    /** Reads what a connection with the stable ID receives: DELIVERs, noted in {@code keys} too. */
    static void received(Incoming frame, OutcomeLedger ledger, Set<OutcomeLedger.Key> keys,
            List<Incoming> unexpected) {
        if (frame instanceof Message deliver && TaggedPayload.isIntact(deliver.payload())) {
            keys.add(new OutcomeLedger.Key(TaggedPayload.sender(deliver.payload()), TaggedPayload.seq(deliver.payload())));
            ledger.delivered(STABLE_ID, deliver);
        }
        else {
            unexpected.add(frame);
        }
    }

    static long sendTracked(OutcomeLedger ledger, TestClient sender, int dest) throws IOException {
        long seq = sender.sent() + 1;
        ledger.sent(sender.id(), seq, dest);
        return sender.send(dest, TaggedPayload.of(sender.id(), seq, 100));
    }

    static <T> T result(Future<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Client 77 connects to node A and does not read; senders on node A and node B flood it, so
     * that its queue is full, the sender on A waits for room and messages of the sender on B wait
     * in node A's backlog. Then a connection with sid 77 comes to node B: it is greeted 77, the
     * older one on node A is closed by the server, and every SEND to 77 ends once: read by the
     * older connection, DESTINATION_GONE, or read by the newer one, in that order per sender.
     * The protocol's one gap is allowed: the batch being written at the close may end as
     * DESTINATION_GONE as a whole though the older client read part of it. Later SENDs from both
     * nodes reach the newer connection, and the admin API of either node shows it on node B.
     */
    @Test
    void aStableIdTakenOverOnAnotherNodeEndsEveryMessageOnceAndTheNewestConnectionWins() throws Exception {
        OutcomeLedger ledger = new OutcomeLedger();
        List<Incoming> unexpected = new CopyOnWriteArrayList<>();
        Set<OutcomeLedger.Key> toOlder = ConcurrentHashMap.newKeySet();
        Set<OutcomeLedger.Key> toNewer = ConcurrentHashMap.newKeySet();
        TestClient senderA = admitted(a, Map.of("sub", "sender-a"));
        TestClient senderB = admitted(b, Map.of("sub", "sender-b"));
        FrameCollector senderAFrames = senderFrames(senderA, ledger, unexpected);
        FrameCollector senderBFrames = senderFrames(senderB, ledger, unexpected);

        TestClient older = admitted(a, stable77(), SMALL_RECEIVE_BUFFER);
        assertThat(older.id()).isEqualTo(STABLE_ID);
        AtomicBoolean stop = new AtomicBoolean();
        Future<Long> floodA = flood(senderA, STABLE_ID, ledger, stop, () -> isFull(a, STABLE_ID));
        Future<Long> floodB = flood(senderB, STABLE_ID, ledger, stop, () -> isFull(a, STABLE_ID));
        // Its queue full, and messages from node B waiting for room on node A.
        await().atMost(PATIENCE).until(() -> isFull(a, STABLE_ID) && a.getBean(LocalDelivery.class).backlogged() > 0);

        TestClient newer = track(TestClient.connectWithToken(ClusterNodes.tcpPort(b), Tokens.hs256(stable77())));
        assertThat(newer.id()).isEqualTo(STABLE_ID);
        FrameCollector newerFrames = FrameCollector.start(newer, Duration.ofMinutes(2),
                frame -> received(frame, ledger, toNewer, unexpected));
        // Closed by the server in order (EOF, or this throws), after what was written to it.
        for (Incoming frame : older.readUntilClosed()) {
            received(frame, ledger, toOlder, unexpected);
        }
        stop.set(true);
        long floodedA = result(floodA);
        long floodedB = result(floodB);
        assertThat(session(a, STABLE_ID)).as("client 77 on node A").isNull();

        List<OutcomeLedger.Key> later = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            later.add(new OutcomeLedger.Key(senderA.id(), sendTracked(ledger, senderA, STABLE_ID)));
            later.add(new OutcomeLedger.Key(senderB.id(), sendTracked(ledger, senderB, STABLE_ID)));
        }
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderAFrames.stop();
        senderBFrames.stop();
        newerFrames.stop();

        System.out.printf("Stable ID taken over across nodes: %d and %d flooded, outcomes %s, %d read by the older"
                + " connection, %d by the newer%n", floodedA, floodedB, ledger.tally(), toOlder.size(), toNewer.size());
        assertThat(unexpected).as("frames other than tagged DELIVERs to 77 and ERRORs to the senders").isEmpty();
        // Exactly one outcome each, but for the batch being written at the close.
        assertThat(ledger.problems()).allSatisfy(problem -> assertThat(problem)
                .as("only a message of the batch being written at the close may have two outcomes")
                .contains("has 2 outcomes", "DELIVER at 77", "DESTINATION_GONE"));
        int twice = 0;
        Map<Integer, List<String>> phasesBySender = new HashMap<>();
        for (TestClient sender : List.of(senderA, senderB)) {
            List<String> phases = new ArrayList<>();
            for (Map.Entry<Long, List<String>> entry : ledger.outcomesTo(sender.id(), STABLE_ID).entrySet()) {
                OutcomeLedger.Key key = new OutcomeLedger.Key(sender.id(), entry.getKey());
                List<String> outcomes = entry.getValue();
                if (outcomes.size() == 2) {
                    assertThat(toOlder).as("%s, read and failed", key).contains(key);
                    twice++;
                }
                phases.add(toOlder.contains(key) ? "older" : toNewer.contains(key) ? "newer" : outcomes.get(0));
            }
            phasesBySender.put(sender.id(), phases);
            // Per sender: what the older connection read, then what was dropped with it, then what the newer
            // one read (UNKNOWN_DESTINATION is left to the last check below).
            List<String> known = phases.stream().filter(phase -> !phase.equals("UNKNOWN_DESTINATION")).toList();
            assertThat(known).as("outcomes of %s's SENDs to 77 by seq: %s", Integer.toUnsignedLong(sender.id()),
                    runs(phases)).containsSubsequence("DESTINATION_GONE", "newer")
                    .allMatch(PHASES::contains)
                    .isSortedAccordingTo((x, y) -> Integer.compare(PHASES.indexOf(x), PHASES.indexOf(y)));
        }
        // A writer gathers at most 256 KiB into one write.
        assertThat(twice).isLessThanOrEqualTo(256 * 1024 / SIZE + 1);
        assertThat(toOlder).as("what the older connection read before it was closed").isNotEmpty();
        assertThat(toNewer).containsAll(later);
        assertThat(toOlder).doesNotContainAnyElementsOf(toNewer);
        // DELIVERs of one sender to the newer connection in the order of their SENDs.
        for (TestClient sender : List.of(senderA, senderB)) {
            List<Long> seqs = newerFrames.delivers().stream().map(Message::payload)
                    .filter(payload -> TaggedPayload.sender(payload) == sender.id()).map(TaggedPayload::seq).toList();
            assertThat(seqs).as("seqs of %s read by the newer connection", sender.id()).isSorted()
                    .endsWith(sender.sent());
        }

        // The admin API of either node shows 77 on node B: the newer connection.
        for (ConfigurableApplicationContext node : List.of(a, b)) {
            AdminHttp admin = AdminHttp.as(node.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                    "admin", PASSWORD);
            AdminHttp.Response response = admin.get("/api/clients/" + STABLE_ID);
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            JsonNode json = response.json();
            assertThat(json.get("id").asLong()).isEqualTo(STABLE_ID);
            assertThat(json.get("node").asString()).isEqualTo("node-b");
            assertThat(json.get("remoteAddress").asString()).isEqualTo("127.0.0.1:" + newer.socket().getLocalPort());
            assertThat(json.get("subject").asString()).isEqualTo("device-77");
        }
        assertThat(a.getBean(RemoteRouter.class).holderOf(STABLE_ID)).isEqualTo("node-b");

        // A client with ID 77 was connected all the while (on node A, then on node B), and every SEND was
        // routed while one was: UNKNOWN_DESTINATION ("no client with ID dest was connected") is never right.
        phasesBySender.forEach((sender, phases) -> assertThat(phases.contains("UNKNOWN_DESTINATION"))
                .as("UNKNOWN_DESTINATION among the outcomes of %s's SENDs to 77, by seq: %s",
                        Integer.toUnsignedLong(sender), runs(phases))
                .isFalse());
    }

    static final List<String> PHASES = List.of("older", "DESTINATION_GONE", "newer");

    /** {@code [older x12, DESTINATION_GONE x3, newer x40]}: a long list of outcomes, readable. */
    static String runs(List<String> phases) {
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < phases.size(); ) {
            int j = i;
            while (j < phases.size() && phases.get(j).equals(phases.get(i))) {
                j++;
            }
            runs.add(phases.get(i) + " x" + (j - i));
            i = j;
        }
        return runs.toString();
    }

    /**
     * Without a {@code sid}, token mode assigns from 2147483648 up on every node, so that
     * assigned IDs never meet stable ones; clients of both nodes reach each other.
     */
    @Test
    void assignedIdsInTokenModeAreFromTheUpperRangeOnBothNodes() throws Exception {
        Set<Integer> ids = new HashSet<>();
        Map<ConfigurableApplicationContext, List<TestClient>> byNode = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            for (ConfigurableApplicationContext node : List.of(a, b)) {
                TestClient client = admitted(node, Map.of());
                byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(client);
                assertThat(Integer.toUnsignedLong(client.id())).as("an assigned ID").isBetween(FIRST_ASSIGNED_ID, LAST_ID);
                assertThat(ids.add(client.id())).as("ID %s given twice", Integer.toUnsignedLong(client.id())).isTrue();
            }
        }
        TestClient onA = byNode.get(a).get(0);
        TestClient onB = byNode.get(b).get(0);
        onA.send(onB.id(), "to b".getBytes());
        onB.send(onA.id(), "to a".getBytes());
        Message atB = onB.readDeliver();
        assertThat(atB.src()).isEqualTo(Integer.toUnsignedLong(onA.id()));
        assertThat(atB.payload()).isEqualTo("to b".getBytes());
        Message atA = onA.readDeliver();
        assertThat(atA.src()).isEqualTo(Integer.toUnsignedLong(onB.id()));
        assertThat(atA.payload()).isEqualTo("to a".getBytes());
    }

    /**
     * {@code switchboard.ids=random} on both nodes of a cluster of their own: 40 clients, half on
     * each node, get distinct IDs of the assigned range (2147483648..4294967295) spread over it,
     * not a run of consecutive numbers as a counter would give.
     */
    @Test
    void randomIdsAcrossNodesAreDistinctAndSpreadOverTheAssignedRange() throws Exception {
        List<TestClient> connected = new ArrayList<>();
        try (ClusterNodes random = ClusterNodes.onNewRedis("random:")) {
            ConfigurableApplicationContext ra = random.start("random-a", tokenMode("switchboard.ids=random"));
            ConfigurableApplicationContext rb = random.start("random-b", tokenMode("switchboard.ids=random"));
            random.awaitMesh();
            try {
                for (int i = 0; i < 40; i++) {
                    ConfigurableApplicationContext node = (i % 2 == 0) ? ra : rb;
                    TestClient client = TestClient.connectWithToken(ClusterNodes.tcpPort(node), Tokens.hs256(Map.of()));
                    connected.add(client);
                    assertThat(Integer.toUnsignedLong(client.id())).as("greeting: admitted").isNotZero();
                }
                assertThat(ra.getBean(ClientRegistry.class).size()).isEqualTo(20);
                assertThat(rb.getBean(ClientRegistry.class).size()).isEqualTo(20);
            }
            finally {
                for (TestClient client : connected) {
                    client.close();
                }
            }
        }
        List<Long> ids = connected.stream().map(client -> Integer.toUnsignedLong(client.id())).sorted().toList();
        System.out.println("Random IDs across two nodes: " + ids);
        assertThat(ids).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).isBetween(FIRST_ASSIGNED_ID, LAST_ID));
        long size = LAST_ID - FIRST_ASSIGNED_ID + 1;
        long middle = FIRST_ASSIGNED_ID + size / 2;
        // 40 uniform draws all land in one half with probability 2 * 2^-40, about 1.8e-12: this
        // fails falsely less than once in 10^11 runs.
        assertThat(ids).as("IDs in the lower half of the range").anyMatch(id -> id < middle);
        assertThat(ids).as("IDs in the upper half of the range").anyMatch(id -> id >= middle);
        // 40 uniform draws all within a quarter of the range of each other: at most 40 * (1/4)^39,
        // about 1.3e-22. Consecutive IDs (a counter) would span 39.
        assertThat(ids.getLast() - ids.getFirst()).as("span of the IDs").isGreaterThan(size / 4);
    }
}
