package io.switchboard.relay;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the relay's integration tests share: the real endpoint and registry of the running
 * application, clients that are closed after each test, and threads for clients that must
 * read and write at once. Each test starts once the clients of earlier tests have left the
 * registry, which also checks that none of them leaked.
 */
abstract class RelayTestSupport {

    /** Bound of every wait on the relay; generous, as other builds share the machine. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    /** A receive buffer small enough that a client that does not read fills its queue soon. */
    static final int SMALL_RECEIVE_BUFFER = 4096;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    @Autowired
    RelayProperties properties;

    private final List<TestClient> clients = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void awaitClientsOfEarlierTestsGone() {
        await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(() -> this.registry.size() == 0);
    }

    @AfterEach
    void closeClients() throws IOException {
        for (TestClient client : this.clients) {
            client.close();
        }
        this.threads.shutdownNow();
    }

    int port() {
        if (!this.endpoint.isListening()) {
            await().atMost(PATIENCE).until(this.endpoint::isListening);
        }
        return this.endpoint.port();
    }

    TestClient connect() throws IOException {
        return track(TestClient.connect(port()));
    }

    /** A client that will not read for a while: its small receive buffer fills at once. */
    TestClient connectNonReading() throws IOException {
        return track(TestClient.connect(port(), SMALL_RECEIVE_BUFFER));
    }

    TestClient track(TestClient client) {
        this.clients.add(client);
        return client;
    }

    ClientSession session(TestClient client) {
        ClientSession session = this.registry.get(client.id());
        assertThat(session).as("session of client %s", client.id()).isNotNull();
        return session;
    }

    long queuedBytes(TestClient client) {
        ClientSession session = this.registry.get(client.id());
        return (session != null) ? session.queuedBytes() : 0;
    }

    boolean isConnected(TestClient client) {
        return this.registry.get(client.id()) != null;
    }

    /** Reads every frame of {@code client} on a thread of its own, for at most {@link #PATIENCE} idle. */
    FrameCollector collect(TestClient client, Consumer<Incoming> sink) throws IOException {
        return FrameCollector.start(client, PATIENCE, sink);
    }

    /** Feeds what {@code client} reads into {@code ledger}. */
    FrameCollector collectInto(OutcomeLedger ledger, TestClient client) throws IOException {
        return collect(client, frame -> {
            switch (frame) {
                case Message deliver -> ledger.delivered(client.id(), deliver);
                case SendError error -> ledger.failed(client.id(), error);
            }
        });
    }

    /**
     * Has {@code sender} send tagged messages of {@code size} bytes to {@code dest}, which does not
     * read, until {@code stop} answers true (asked before each SEND), then {@code after} more.
     * Until then it writes at most {@link #FLOOD_AHEAD_BYTES} (or one message) ahead of what the
     * server has read from the sender: under pause the server stops reading the sender once the
     * queue is full, and a flood that had written further ahead than the kernel's socket buffers
     * have grown would be blocked in a write, never to see {@code stop}. So the flood keeps the
     * queue topped up for as long as a test needs it full, without depending on how large the
     * buffers are. While the queue is full it sends a message every few milliseconds only: under
     * reject, each would be refused at once. Each SEND is registered in {@code ledger} before it
     * is written.
     * @return the seq of the last SEND, once all are written
     */
    Future<Long> flood(TestClient sender, TestClient dest, int size, OutcomeLedger ledger, BooleanSupplier stop,
            int after) {
        long limit = 256L * 1024 * 1024 / size;
        return background(() -> {
            long seq = sender.sent();
            long extra = 0;
            while (true) {
                if (stop.getAsBoolean()) {
                    if (extra++ == after) {
                        return seq;
                    }
                }
                else if (seq > read(sender) && (seq - read(sender) + 1) * (Wire.SEND_HEADER_BYTES + size) > FLOOD_AHEAD_BYTES) {
                    // Far enough ahead of the server: wait for it to read, or for stop.
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                else if (isFull(dest, size)) {
                    // Paces the flood, no more: nothing waits on this.
                    LockSupport.parkNanos(2_000_000);
                }
                seq++;
                ledger.sent(sender.id(), seq, dest.id());
                sender.send(dest.id(), TaggedPayload.of(sender.id(), seq, size));
                assertThat(seq).as("messages in one flood").isLessThan(limit);
            }
        });
    }

    /** Bytes a flood writes ahead of what the server has read of them, at most: less than loopback's smallest socket buffers hold. */
    static final int FLOOD_AHEAD_BYTES = 64 * 1024;

    /** SENDs the server has read from {@code sender}; it is connected to this node. */
    private long read(TestClient sender) {
        ClientSession session = this.registry.get(sender.id());
        return (session != null) ? session.messagesIn() : Long.MAX_VALUE;
    }

    /** Floods until {@code dest}'s queue is full, then sends {@code after} more: see {@link #flood}. */
    Future<Long> floodUntilFull(TestClient sender, TestClient dest, int size, int after, OutcomeLedger ledger) {
        return flood(sender, dest, size, ledger, () -> isFull(dest, size) || !isConnected(dest), after);
    }

    /** Whether {@code dest}'s queue has no room for a message of {@code size} bytes. */
    boolean isFull(TestClient dest, int size) {
        return queuedBytes(dest) + size > this.properties.maxQueuedBytes().toBytes();
    }

    /**
     * Waits until the server has stopped reading {@code sender}: {@code dest}'s queue is full and
     * no SEND of the sender was read for a few polls. Returns the sender's count of SENDs read.
     */
    long awaitPaused(TestClient sender, TestClient dest, int size) {
        ClientSession session = session(sender);
        AtomicLong last = new AtomicLong(-1);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> isFull(dest, size) && session.messagesIn() == last.getAndSet(session.messagesIn()));
        return last.get();
    }

    /**
     * Several senders flood {@code hog}, which does not read, with messages of mixed sizes, some
     * over max-queued-bytes, until the hog is evicted as a slow consumer; its queued bytes,
     * sampled all the while, never exceed max-queued-bytes plus the largest message
     * (PROTOCOL.md section 4.4).
     */
    void assertQueueBoundedWhileFlooded(List<TestClient> senders, TestClient hog) throws Exception {
        long maxQueued = this.properties.maxQueuedBytes().toBytes();
        int[] sizes = { 0, 1, 100, 1000, 8192, 40_000, (int) maxQueued, (int) maxQueued + 1, 100_000 };
        int largest = Arrays.stream(sizes).max().getAsInt();
        AtomicLong peak = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        Future<Void> sampling = background(() -> {
            while (isConnected(hog)) {
                peak.accumulateAndGet(queuedBytes(hog), Math::max);
                samples.incrementAndGet();
                LockSupport.parkNanos(100_000);
            }
            return null;
        });
        List<Future<Void>> sending = new ArrayList<>();
        for (int s = 0; s < senders.size(); s++) {
            TestClient sender = senders.get(s);
            // Their ERRORs are read, so that their own queues never hold their reads up.
            collect(sender, frame -> { });
            Random random = new Random(s);
            sending.add(background(() -> {
                while (isConnected(hog)) {
                    int size = sizes[random.nextInt(sizes.length)];
                    if (isFull(hog, size)) {
                        // Paces the flood, no more: under reject each SEND would be refused at once.
                        LockSupport.parkNanos(1_000_000);
                    }
                    sender.send(hog.id(), new byte[size]);
                }
                return null;
            }));
        }
        await().atMost(PATIENCE).until(() -> !isConnected(hog));
        result(sampling);
        for (Future<Void> future : sending) {
            result(future);
        }
        System.out.printf("Queue of a flooded client that does not read: peak %d payload bytes in %d samples "
                + "(bound %d plus one message of at most %d)%n", peak.get(), samples.get(), maxQueued, largest);
        assertThat(peak.get()).isLessThanOrEqualTo(maxQueued + largest);
        // The flood did reach the bound, so the check above was put to the test.
        assertThat(peak.get()).isGreaterThan(maxQueued / 2);
    }

    /**
     * A client that does not read is evicted as a slow consumer once its full queue has gone
     * {@code slow-consumer-timeout} without a write, not before: every message of the sender
     * has exactly one outcome (what the hog can still read is delivered, the rest of what was
     * queued or waiting ends in DESTINATION_GONE, then the hog is unknown), and the sender is
     * free afterwards, its messages to others flowing.
     *
     * <p>Whether any message ends in DESTINATION_GONE depends on the policy. Under pause, the
     * sender's message waiting for room always does. Under reject, nothing waits, and the write
     * the writer was blocked in when the hog was closed may still complete once the hog reads
     * (the JDK defers the socket's close until that write returns); it is then delivered.
     * @param gone whether DESTINATION_GONE must be among the outcomes
     */
    void assertSlowConsumerEvictedAndSenderFreed(boolean gone) throws Exception {
        TestClient sender = connect();
        TestClient hog = connectNonReading();
        TestClient other = connect();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        FrameCollector otherFrames = collectInto(ledger, other);
        long start = System.nanoTime();
        Future<Long> flooding = flood(sender, hog, 8192, ledger, () -> !isConnected(hog), 3);
        int later = 50;
        Future<Void> thenOther = background(() -> {
            result(flooding);
            for (int i = 0; i < later; i++) {
                sendTracked(ledger, sender, other, 100);
            }
            return null;
        });
        await().atMost(PATIENCE).until(() -> !isConnected(hog));
        Duration evictedAfter = Duration.ofNanos(System.nanoTime() - start);
        // What was written to the hog before it was evicted stays readable.
        for (Incoming frame : hog.readUntilClosed()) {
            ledger.delivered(hog.id(), (Message) frame);
        }
        result(thenOther);
        sendTracked(ledger, sender, other, 100);
        sendTracked(ledger, sender, hog, 100);
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();

        System.out.println("Slow consumer evicted " + evictedAfter.toMillis() + " ms after its flood began; outcomes "
                + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(evictedAfter).isGreaterThanOrEqualTo(this.properties.slowConsumerTimeout());
        if (gone) {
            assertThat(ledger.tally()).containsKey("DESTINATION_GONE");
        }
        Map<Long, List<String>> toHog = ledger.outcomesTo(sender.id(), hog.id());
        assertOutcomesInSequence(toHog, "DELIVER at " + hog.id(), "DESTINATION_GONE", "UNKNOWN_DESTINATION");
        assertThat(toHog.get(sender.sent())).containsExactly("UNKNOWN_DESTINATION");
        assertInOrder(otherFrames.delivers(), sender.sent() - later - 1, sender.sent() - 1);
    }

    /** Registers a tagged SEND in the ledger, then writes it. */
    static long sendTracked(OutcomeLedger ledger, TestClient sender, TestClient dest, int size) throws IOException {
        long seq = sender.sent() + 1;
        ledger.sent(sender.id(), seq, dest.id());
        return sender.send(dest.id(), TaggedPayload.of(sender.id(), seq, size));
    }

    /**
     * The outcomes by seq run through {@code phases} in order, each phase zero or more times: a
     * queue keeps its order, so what was written precedes what was dropped, which precedes what
     * came after the destination had left. DESTINATION_BUSY, a SEND refused while the queue was
     * full, may come between any two, as the queue has room again whenever the socket takes
     * more; never once the destination has left.
     */
    static void assertOutcomesInSequence(Map<Long, List<String>> bySeq, String... phases) {
        List<String> order = List.of(phases);
        int phase = 0;
        for (Map.Entry<Long, List<String>> entry : bySeq.entrySet()) {
            assertThat(entry.getValue()).as("outcomes of seq %s", entry.getKey()).hasSize(1);
            String outcome = entry.getValue().get(0);
            if (outcome.equals("DESTINATION_BUSY")) {
                assertThat(order.get(phase)).as("seq %s ended %s after a %s", entry.getKey(), outcome, order.get(phase))
                        .isNotEqualTo("UNKNOWN_DESTINATION");
                continue;
            }
            int at = order.indexOf(outcome);
            assertThat(at).as("seq %s ended %s after a %s", entry.getKey(), outcome, order.get(phase))
                    .isGreaterThanOrEqualTo(phase);
            phase = at;
        }
    }

    /** The DELIVERs carry seqs {@code first} to {@code last}, each once, in order. */
    static void assertInOrder(List<Message> delivers, long first, long last) {
        List<Long> seqs = new ArrayList<>();
        for (Message deliver : delivers) {
            seqs.add(TaggedPayload.seq(deliver.payload()));
        }
        List<Long> expected = new ArrayList<>();
        for (long seq = first; seq <= last; seq++) {
            expected.add(seq);
        }
        assertThat(seqs).isEqualTo(expected);
    }

    <T> Future<T> background(Callable<T> task) {
        return this.threads.submit(task);
    }

    /** The task's result, failing the test if it failed or did not end within {@link #PATIENCE}. */
    static <T> T result(Future<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
