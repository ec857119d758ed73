package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The link to one node, against a stream that keeps its entries in memory: every message gets
 * exactly one outcome, whichever of that node, the sweep, a failed append or retirement ends it.
 */
class NodeLinkTest {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PATIENCE = Duration.ofSeconds(5);
    private static final long MAX_WINDOW = 1000;

    /** Node b's inbox stream: appends can be held back, made to fail, or find no inbox. */
    private static final class Stream implements NodeLink.Stream {

        final LinkedBlockingQueue<byte[]> entries = new LinkedBlockingQueue<>();
        volatile CountDownLatch hold = new CountDownLatch(0);
        volatile CountDownLatch holding = new CountDownLatch(0);
        volatile boolean failing;

        @Override
        public boolean append(String node, byte[] entry) {
            assertThat(node).isEqualTo("b");
            this.holding.countDown();
            try {
                this.hold.await();
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
            if (this.failing) {
                throw new IllegalStateException("Redis is unreachable");
            }
            this.entries.add(entry);
            return true;
        }

        /** The records of the next entry appended, one line each. */
        List<String> next() throws InterruptedException {
            byte[] entry = this.entries.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(entry).as("an entry appended in time").isNotNull();
            List<String> records = new ArrayList<>();
            ClusterCodec.read(entry, Long.MAX_VALUE, new ClusterCodec.Handler() {
                @Override
                public void message(String from, long ticket, int src, int dest, byte[] bytes, int offset, int length) {
                    records.add("message " + ticket + " " + src + "->" + dest + " "
                            + new String(bytes, offset, length, StandardCharsets.UTF_8));
                }

                @Override
                public void run(String from, long firstTicket, int src, byte[] bytes, int start, int end) {
                    StringBuilder line = new StringBuilder("run " + firstTicket + " " + src + "->");
                    for (int p = start; p < end; p += Wire.SEND_HEADER_BYTES + Wire.getInt(bytes, p + 4)) {
                        line.append(Wire.getInt(bytes, p)).append(' ')
                                .append(new String(bytes, p + Wire.SEND_HEADER_BYTES, Wire.getInt(bytes, p + 4),
                                        StandardCharsets.UTF_8)).append(';');
                    }
                    records.add(line.toString());
                }

                @Override
                public void outcome(String from, long ticket, int status) {
                    records.add("outcome " + ticket + " " + status);
                }

                @Override
                public void written(String from, long firstTicket, int count) {
                    records.add("written " + firstTicket + " " + count);
                }

                @Override
                public void disconnect(String from, int id) {
                    records.add("disconnect " + id);
                }

                @Override
                public void request(String from, long request, byte kind, byte[] body) {
                    records.add("request " + request + " " + kind);
                }

                @Override
                public void reply(String from, long request, byte[] body) {
                    records.add("reply " + request + " " + new String(body, StandardCharsets.UTF_8));
                }
            });
            return records;
        }
    }

    /** Every outcome each message got, by seq: the invariant is one per message. */
    private static final class Outcomes implements MessageOrigin {

        final Map<Long, List<String>> bySeq = new ConcurrentHashMap<>();

        @Override
        public void delivered(int dest, long seq) {
            this.bySeq.computeIfAbsent(seq, (s) -> new java.util.concurrent.CopyOnWriteArrayList<>()).add("delivered");
        }

        @Override
        public void failed(ErrorCode code, int dest, long seq) {
            this.bySeq.computeIfAbsent(seq, (s) -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(code.name());
        }

        List<String> of(long seq) {
            return this.bySeq.getOrDefault(seq, List.of());
        }
    }

    private final Stream stream = new Stream();
    private final SenderWindows windows = new SenderWindows(MAX_WINDOW);
    private final Holders holders = new Holders(ACK_TIMEOUT.multipliedBy(2));
    private final AtomicLong numbers = new AtomicLong(100);
    private final Outcomes origin = new Outcomes();
    private final NodeLink link = new NodeLink("b", "a", this.stream, this.windows, this.holders, this.numbers,
            ACK_TIMEOUT, ACK_TIMEOUT.multipliedBy(3)).start();

    @AfterEach
    void retire() {
        this.stream.hold.countDown();
        this.link.retire();
    }

    /** Sends {@code text} from client 1 to client 2 of node b as the router does: room first. */
    private boolean send(String text, long seq) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        SenderWindows.Window window = this.windows.acquire(SenderWindows.key(1, 2), payload.length, 0);
        assertThat(window).isNotNull();
        return this.link.send(1, 2, payload, 0, payload.length, this.origin, seq, window, payload.length);
    }

    /** SEND frames from client 1 to client 2, {@code | dest | length | payload |} each, after two bytes of something else. */
    private static byte[] frames(String... texts) {
        byte[][] frames = new byte[texts.length + 1][];
        frames[0] = new byte[] { 9, 9 };
        for (int i = 0; i < texts.length; i++) {
            frames[i + 1] = TestClient.sendFrame(2, texts[i].getBytes(StandardCharsets.UTF_8));
        }
        return TestClient.frames(frames);
    }

    /** Sends {@code texts} as one run from client 1 to client 2, numbered from {@code firstSeq}, with room first. */
    private boolean sendRun(long firstSeq, String... texts) {
        byte[] frames = frames(texts);
        long cost = frames.length;
        SenderWindows.Window window = this.windows.acquire(SenderWindows.key(1, 2), cost, 0);
        assertThat(window).isNotNull();
        return this.link.sendRun(1, 2, texts.length, frames, 2, frames.length, this.origin, firstSeq, window, cost);
    }

    private boolean windowIsEmpty() {
        SenderWindows.Window window = this.windows.acquire(SenderWindows.key(1, 2), MAX_WINDOW, 0);
        if (window == null) {
            return false;
        }
        this.windows.release(window, MAX_WINDOW);
        return true;
    }

    @Test
    void aMessageGoesWithATicketAndItsOutcomeReachesItsOriginOnceAndFreesItsWindow() throws Exception {
        assertThat(send("hi", 7)).isTrue();
        assertThat(this.stream.next()).containsExactly("message 101 1->2 hi");
        assertThat(this.link.pendingCount()).isEqualTo(1);
        assertThat(windowIsEmpty()).isFalse();

        this.link.outcome(101, ClusterCodec.STATUS_WRITTEN);
        this.link.outcome(101, ClusterCodec.status(ErrorCode.DESTINATION_GONE));
        assertThat(this.origin.of(7)).containsExactly("delivered");
        assertThat(this.link.pendingCount()).isZero();
        assertThat(windowIsEmpty()).isTrue();
    }

    @Test
    void aFailureReachesTheOriginAsItsErrorAndANodeWithoutTheClientIsNotAskedAgain() throws Exception {
        this.holders.put(2, "b");
        send("x", 1);
        send("y", 2);
        this.stream.next();
        this.link.outcome(101, ClusterCodec.status(ErrorCode.DESTINATION_BUSY));
        assertThat(this.origin.of(1)).containsExactly("DESTINATION_BUSY");
        assertThat(this.holders.get(2)).as("busy: the client is still there").isEqualTo("b");
        this.link.outcome(102, ClusterCodec.status(ErrorCode.UNKNOWN_DESTINATION));
        assertThat(this.origin.of(2)).containsExactly("UNKNOWN_DESTINATION");
        assertThat(this.holders.get(2)).isNull();
    }

    @Test
    void theSweepEndsMessagesNotTakenInTimeButWaitsForThoseTheNodeHasTaken() throws Exception {
        send("a", 1);
        send("b", 2);
        this.stream.next();
        this.link.outcome(101, ClusterCodec.STATUS_TAKEN);
        long now = System.nanoTime();

        this.link.sweep(now, false);
        assertThat(this.link.pendingCount()).as("none is late yet").isEqualTo(2);
        this.link.sweep(now + ACK_TIMEOUT.toNanos() + 1, false);
        assertThat(this.origin.of(1)).as("taken: the node owes its outcome").isEmpty();
        assertThat(this.origin.of(2)).containsExactly("DESTINATION_GONE");

        this.link.sweep(now, true);
        assertThat(this.origin.of(1)).as("Redis gone for an ack timeout").containsExactly("DESTINATION_GONE");
        assertThat(windowIsEmpty()).isTrue();
    }

    @Test
    void recordsAddedWhileAnAppendIsUnderWayGoTogetherInTheOrderAdded() throws Exception {
        this.stream.hold = new CountDownLatch(1);
        this.stream.holding = new CountDownLatch(1);
        send("first", 1);
        assertThat(this.stream.holding.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        send("second", 2);
        this.link.delivered(9, 55);
        send("third", 3);
        this.link.disconnect(4);
        this.link.reply(66, "answer".getBytes(StandardCharsets.UTF_8));
        this.link.reportTaken(77);
        this.stream.hold.countDown();

        assertThat(this.stream.next()).containsExactly("message 101 1->2 first");
        assertThat(this.stream.next()).containsExactly("message 102 1->2 second", "outcome 55 0",
                "message 103 1->2 third", "disconnect 4", "reply 66 answer", "outcome 77 255");
    }

    @Test
    void aQuestionIsAnsweredByItsReplyOnly() throws Exception {
        CompletableFuture<byte[]> answer = this.link.ask(ClusterCodec.LOAD, new byte[0]);
        assertThat(this.stream.next()).containsExactly("request 101 " + ClusterCodec.LOAD);
        this.link.replied(999, new byte[] { 1 });
        assertThat(answer).isNotDone();
        this.link.replied(101, new byte[] { 2 });
        assertThat(answer).isDone();
        assertThat(answer.getNow(null)).containsExactly(2);
    }

    @Test
    void anEntryThatCannotBeAppendedEndsItsMessagesAndQuestionsAtOnceAndKeepsWhatTheNodeIsOwed() throws Exception {
        this.stream.failing = true;
        this.link.delivered(9, 55);
        send("lost", 1);
        CompletableFuture<byte[]> answer = this.link.ask(ClusterCodec.LIST, new byte[0]);

        await().atMost(PATIENCE).until(() -> !this.origin.of(1).isEmpty() && answer.isDone());
        assertThat(this.origin.of(1)).containsExactly("DESTINATION_GONE");
        assertThat(answer).isCompletedWithValue(null);
        assertThat(windowIsEmpty()).isTrue();

        this.stream.failing = false;
        assertThat(this.stream.next()).as("the outcome owed to node b, tried again").containsExactly("outcome 55 0");
    }

    @Test
    void aRetiredLinkEndsWhatWaitsAndTakesNothingMore() throws Exception {
        send("waiting", 1);
        CompletableFuture<byte[]> answer = this.link.ask(ClusterCodec.LIST, new byte[0]);
        this.stream.next();

        this.link.retire();
        assertThat(this.origin.of(1)).containsExactly("DESTINATION_GONE");
        assertThat(answer).isCompletedWithValue(null);
        assertThat(windowIsEmpty()).isTrue();

        byte[] payload = { 1 };
        SenderWindows.Window window = this.windows.acquire(SenderWindows.key(1, 2), 1, 0);
        assertThat(this.link.send(1, 2, payload, 0, 1, this.origin, 2, window, 1)).isFalse();
        assertThat(this.link.ask(ClusterCodec.LIST, new byte[0])).isCompletedWithValue(null);
        assertThat(this.link.disconnect(3)).isFalse();
        this.link.outcome(101, ClusterCodec.STATUS_WRITTEN);
        assertThat(this.origin.of(1)).containsExactly("DESTINATION_GONE");
        assertThat(this.origin.of(2)).isEmpty();
    }

    @Test
    void aRunGoesAsOneRecordAndEachOfItsMessagesGetsOneOutcomeInWhateverOrderTheyCome() throws Exception {
        assertThat(sendRun(10, "a", "b", "c", "d", "e")).isTrue();
        assertThat(this.stream.next()).containsExactly("run 101 1->2 a;2 b;2 c;2 d;2 e;");
        assertThat(this.link.pendingCount()).isEqualTo(5);

        this.link.outcome(103, ClusterCodec.status(ErrorCode.DESTINATION_BUSY));
        assertThat(this.origin.of(12)).containsExactly("DESTINATION_BUSY");
        assertThat(this.link.pendingCount()).isEqualTo(4);
        assertThat(windowIsEmpty()).as("the run's room goes back with its last outcome").isFalse();

        this.link.written(101, 5);
        this.link.written(101, 5);
        this.link.outcome(102, ClusterCodec.status(ErrorCode.DESTINATION_GONE));
        for (long seq = 10; seq <= 14; seq++) {
            assertThat(this.origin.of(seq)).as("seq %d", seq).containsExactly((seq == 12) ? "DESTINATION_BUSY" : "delivered");
        }
        assertThat(this.link.pendingCount()).isZero();
        assertThat(windowIsEmpty()).isTrue();
    }

    @Test
    void aWrittenRangeMaySpanRunsAndSingleMessagesAndTicketsNeverSent() throws Exception {
        assertThat(sendRun(1, "a", "b")).isTrue();
        assertThat(send("c", 3)).isTrue();
        assertThat(sendRun(4, "d", "e", "f")).isTrue();
        assertThat(this.link.pendingCount()).isEqualTo(6);

        this.link.written(90, 13);
        this.link.written(103, 4);
        for (long seq = 1; seq <= 6; seq++) {
            assertThat(this.origin.of(seq)).as("seq %d", seq).containsExactly("delivered");
        }
    }

    @Test
    void theSweepAndRetirementEndOnlyTheMessagesOfARunThatHaveNoOutcome() throws Exception {
        assertThat(sendRun(1, "a", "b", "c")).isTrue();
        this.link.outcome(102, ClusterCodec.STATUS_WRITTEN);
        this.link.outcome(103, ClusterCodec.STATUS_TAKEN);
        this.link.sweep(System.nanoTime() + ACK_TIMEOUT.toNanos() + 1, false);
        assertThat(this.link.pendingCount()).as("taken by that node: not given up").isEqualTo(2);
        this.link.retire();
        assertThat(this.origin.of(1)).containsExactly("DESTINATION_GONE");
        assertThat(this.origin.of(2)).containsExactly("delivered");
        assertThat(this.origin.of(3)).containsExactly("DESTINATION_GONE");
        assertThat(this.link.pendingCount()).isZero();
        assertThat(windowIsEmpty()).isTrue();
        assertThat(sendRun(4, "late")).as("a retired link sends nothing").isFalse();
    }

    @Test
    void everyMessageGetsExactlyOneOutcomeWhileOutcomesTheSweepAndRetirementRace() throws Exception {
        int senders = 4;
        int perSender = 2_000;
        SenderWindows roomy = new SenderWindows(Long.MAX_VALUE);
        NodeLink raced = new NodeLink("b", "a", this.stream, roomy, this.holders, new AtomicLong(), ACK_TIMEOUT,
                ACK_TIMEOUT).start();
        // Node b answers every message it reads, one way or another, while the sweep gives up on them.
        Thread nodeB = answering(raced, new ClusterCodec.Handler() {
            @Override
            public void message(String from, long ticket, int src, int dest, byte[] b, int o, int l) {
                raced.outcome(ticket, (ticket % 2 == 0) ? ClusterCodec.STATUS_WRITTEN
                        : ClusterCodec.status(ErrorCode.DESTINATION_GONE));
            }
        });
        Map<Long, Boolean> accepted = new ConcurrentHashMap<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < senders; s++) {
                int sender = s;
                threads.submit(() -> {
                    for (int i = 0; i < perSender; i++) {
                        long seq = (long) sender * perSender + i;
                        SenderWindows.Window window = roomy.acquire(SenderWindows.key(sender, 2), 1, 0);
                        if (raced.send(sender, 2, new byte[] { 1 }, 0, 1, this.origin, seq, window, 1)) {
                            accepted.put(seq, true);
                        }
                        else {
                            roomy.release(window, 1);
                        }
                        if (sender == 0 && i == perSender / 2) {
                            raced.retire();
                        }
                    }
                });
            }
        }
        nodeB.interrupt();
        nodeB.join();
        assertOneOutcomeEach(accepted, raced, roomy);
    }

    @Test
    void everyMessageOfEveryRunGetsExactlyOneOutcomeWhileRangesFailuresTheSweepAndRetirementRace() throws Exception {
        int senders = 4;
        int runsPerSender = 1_000;
        SenderWindows roomy = new SenderWindows(Long.MAX_VALUE);
        NodeLink raced = new NodeLink("b", "a", this.stream, roomy, this.holders, new AtomicLong(), ACK_TIMEOUT,
                ACK_TIMEOUT).start();
        // Node b answers each run with a range, or message by message, or both at once; the sweep gives up on them meanwhile.
        Thread nodeB = answering(raced, new ClusterCodec.Handler() {
            @Override
            public void run(String from, long first, int src, byte[] b, int start, int end) {
                int count = 0;
                for (int p = start; p < end; p += Wire.SEND_HEADER_BYTES + Wire.getInt(b, p + 4)) {
                    count++;
                }
                switch ((int) (first % 3)) {
                    case 0 -> raced.written(first, count);
                    case 1 -> {
                        for (int i = count - 1; i >= 0; i--) {
                            raced.outcome(first + i, ClusterCodec.status(ErrorCode.DESTINATION_GONE));
                        }
                    }
                    default -> {
                        raced.outcome(first + count - 1, ClusterCodec.status(ErrorCode.DESTINATION_BUSY));
                        raced.written(first - 1, count + 2);
                    }
                }
            }
        });
        Map<Long, Boolean> accepted = new ConcurrentHashMap<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < senders; s++) {
                int sender = s;
                threads.submit(() -> {
                    long seq = (long) sender * runsPerSender * 4;
                    for (int i = 0; i < runsPerSender; i++) {
                        String[] texts = new String[1 + i % 4];
                        java.util.Arrays.fill(texts, "x");
                        byte[] frames = frames(texts);
                        SenderWindows.Window window = roomy.acquire(SenderWindows.key(sender, 2), frames.length, 0);
                        if (raced.sendRun(sender, 2, texts.length, frames, 2, frames.length, this.origin, seq, window,
                                frames.length)) {
                            for (int m = 0; m < texts.length; m++) {
                                accepted.put(seq + m, true);
                            }
                        }
                        else {
                            roomy.release(window, frames.length);
                        }
                        seq += texts.length;
                        if (sender == 0 && i == runsPerSender / 2) {
                            raced.retire();
                        }
                    }
                });
            }
        }
        nodeB.interrupt();
        nodeB.join();
        assertOneOutcomeEach(accepted, raced, roomy);
    }
    /** Node b: reads what the link appends and answers with {@code answers}, the sweep giving up on messages meanwhile. */
    private Thread answering(NodeLink raced, ClusterCodec.Handler answers) {
        return Thread.ofVirtual().start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    byte[] entry = this.stream.entries.poll(10, TimeUnit.MILLISECONDS);
                    if (entry != null) {
                        ClusterCodec.read(entry, Long.MAX_VALUE, answers);
                    }
                    raced.sweep(System.nanoTime() + ACK_TIMEOUT.toNanos() + 1, false);
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Exactly one outcome for each message the link took, none for others, and every window given back. */
    private void assertOneOutcomeEach(Map<Long, Boolean> accepted, NodeLink raced, SenderWindows roomy) {
        assertThat(accepted).isNotEmpty();
        for (long seq : accepted.keySet()) {
            assertThat(this.origin.of(seq)).as("outcomes of message %d", seq).hasSize(1);
        }
        assertThat(this.origin.bySeq.keySet()).isEqualTo(accepted.keySet());
        assertThat(raced.pendingCount()).isZero();
        assertThat(roomy.size()).as("every window given back").isZero();
    }
}
