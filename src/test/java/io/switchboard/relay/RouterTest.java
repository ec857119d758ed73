package io.switchboard.relay;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import io.switchboard.client.FrameListener;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.client.ServerFrameReader;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static io.switchboard.relay.OutboundQueueContractTest.patiently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The router without the relay's sockets being read or written: the SEND frames of one read,
 * as {@link InboundFramesMapper} hands them over, routed into real destination queues of real
 * sessions (over loopback connections that nobody reads, as in RouterBenchmark), which each test
 * then writes out as {@link ClientWriter} would and reads as the client would. What is pinned:
 * seq numbering per connection, each outcome of PROTOCOL.md section 3 with its seq and dest,
 * order per destination however reads cut the frames, the last destination's reuse, the token's
 * {@code send} claim, the size limit, the overflow policies and the node's memory budget, SENDs
 * in flight until their outcome, and the operator's offers. ERRORs are compared in any order,
 * as PROTOCOL.md section 3 promises none among them. After each test, with every client gone,
 * the node's memory budget must be back at zero.
 */
class RouterTest {

    private static final int A = 7;
    private static final int B = 8;
    private static final int C = 9;
    private static final int NOBODY = 99;

    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final List<Peer> peers = new ArrayList<>();
    private final ClientRegistry registry = new ClientRegistry();
    private MemoryBudget budget;
    private RelayMetrics metrics;
    private Router router;
    private long maxQueued;

    /** A node as RelayConfiguration wires it, with the given policy and bounds. */
    private void relay(OverflowPolicy policy, long maxQueuedBytes, long maxTotalQueuedBytes,
            @Nullable RemoteDestinations remote) {
        RelayProperties properties = new RelayProperties(new RelayProperties.Tcp(0, 1,
                new RelayProperties.Ssl(null, TlsClientAuth.NONE, Duration.ofSeconds(10))),
                DataSize.ofBytes(1024 * 1024), DataSize.ofBytes(maxQueuedBytes), null, policy, Duration.ofSeconds(30),
                100_000, Duration.ofSeconds(10), IdStrategy.SEQUENTIAL, new RelayProperties.Limits(0, 0, DataSize.ofBytes(0)));
        this.maxQueued = maxQueuedBytes;
        this.budget = new MemoryBudget(maxTotalQueuedBytes);
        this.metrics = new RelayMetrics(new SimpleMeterRegistry(), this.registry, this.budget);
        MemoryRelief relief = new MemoryRelief(this.registry, this.metrics, this.budget);
        this.router = new Router(this.registry, properties, this.metrics, this.budget, relief, remote);
    }

    private void relay(OverflowPolicy policy, long maxQueuedBytes) {
        relay(policy, maxQueuedBytes, 64L * 1024 * 1024, null);
    }

    @AfterEach
    void everyClientLeavesAndTheMemoryComesBack() throws Exception {
        for (Peer peer : this.peers) {
            peer.disconnect();
        }
        for (AutoCloseable socket : this.sockets) {
            socket.close();
        }
        if (this.budget != null) {
            assertThat(this.budget.used()).as("memory held once every client is gone").isZero();
        }
    }

    // ---- clients ----

    /** A client: its session on a real loopback connection, and what it has read so far. */
    private final class Peer {

        final ClientSession session;
        private OutboundBatch done;
        private boolean greeted;

        Peer(ClientSession session) {
            this.session = session;
        }

        int id() {
            return this.session.id();
        }

        OutboundQueue queue() {
            return this.session.queue();
        }

        /**
         * Writes what is queued for the client as its writer does, and returns the bytes the
         * client reads. The queue holds something exactly when it counts held bytes, as this
         * writer holds no batch between calls.
         */
        byte[] readBytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            OutboundQueue queue = queue();
            while (queue.heldBytes() > 0) {
                OutboundBatch batch = queue.take(this.done);
                out.writeBytes(OutboundBatchTest.stream(batch));
                int before = batch.reported;
                long payload = queue.written(batch);
                this.session.countOut(batch.reported - before, payload);
                batch.reset();
                this.done = batch;
            }
            return out.toByteArray();
        }

        /** The frames the client reads, after its greeting, which is checked. */
        List<Incoming> read() {
            byte[] bytes = readBytes();
            List<Incoming> frames = new ArrayList<>();
            ServerFrameReader reader = new ServerFrameReader(new ByteArrayInputStream(bytes));
            FrameListener collect = new FrameListener() {
                @Override
                public void onDeliver(long src, byte[] buffer, int offset, int length) {
                    frames.add(new Message(src, java.util.Arrays.copyOfRange(buffer, offset, offset + length)));
                }

                @Override
                public void onSendError(SendError error) {
                    frames.add(error);
                }
            };
            try {
                if (!this.greeted) {
                    assertThat(reader.readGreeting()).as("greeting").isEqualTo(Integer.toUnsignedLong(id()));
                    this.greeted = true;
                }
                while (true) {
                    reader.readFrames(collect);
                }
            }
            catch (EOFException end) {
                return frames;
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        List<Message> delivers() {
            List<Incoming> frames = read();
            assertThat(frames).as("frames read by %d", id()).allMatch(Message.class::isInstance);
            return frames.stream().map(Message.class::cast).toList();
        }

        /** The client's connection has closed: as ConnectionLifecycle does, and the writer ends. */
        void disconnect() {
            this.session.closed();
            RouterTest.this.registry.remove(this.session);
            assertThat(queue().take(this.done)).isNull();
            this.done = null;
        }
    }

    private Peer connect(int id) throws IOException {
        return connect(id, ClientIdentity.ANONYMOUS);
    }

    /** A client admitted with {@code identity}, on the server side of a loopback connection, as the relay accepts one. */
    private Peer connect(int id, ClientIdentity identity) throws IOException {
        RelayConnection connection;
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            this.sockets.add(client);
            SocketChannel server = listener.accept();
            this.sockets.add(server);
            connection = new RelayConnection(server.socket(), null, true, false, null, "test", 1024 * 1024,
                    this.budget, new MemoryRelief(this.registry, this.metrics, this.budget));
        }
        ClientSession session = new ClientSession(id, connection, this.maxQueued, this.metrics, this.budget, identity,
                null);
        assertThat(this.registry.add(session)).isTrue();
        connection.attach(session);
        Peer peer = new Peer(session);
        this.peers.add(peer);
        return peer;
    }

    // ---- frames ----

    record Send(int dest, byte[] payload) {
    }

    static Send to(int dest, String text) {
        return new Send(dest, text.getBytes(StandardCharsets.UTF_8));
    }

    static Send to(int dest, int size, int seed) {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) seed);
        return new Send(dest, payload);
    }

    static byte[] frames(List<Send> sends) {
        return TestClient.frames(sends.stream().map(send -> TestClient.sendFrame(send.dest(), send.payload()))
                .toArray(byte[][]::new));
    }

    /** One read of {@code sender}'s frames, routed as the relay does, on this thread. */
    private void route(Peer sender, Send... sends) {
        byte[] bytes = frames(List.of(sends));
        handle(sender, new SendBatch(bytes, bytes.length, sends.length, -1, 0));
    }

    /** One read that ends at the header of a frame over max-payload-bytes, to {@code dest}. */
    private void routeOversized(Peer sender, int dest, Send... before) {
        byte[] complete = frames(List.of(before));
        byte[] bytes = Arrays.copyOf(complete, complete.length + Wire.SEND_HEADER_BYTES);
        Wire.putSendHeader(bytes, complete.length, dest, 2 * 1024 * 1024);
        handle(sender, new SendBatch(bytes, complete.length, before.length, Integer.toUnsignedLong(dest), 0));
    }

    /** A frame the reader read into an array of its own, whose memory it took from the budget. */
    private SendBatch detached(int dest, int size) {
        byte[] bytes = frames(List.of(to(dest, size, 0x5A)));
        assertThat(this.budget.tryTake(bytes.length)).isTrue();
        return new SendBatch(bytes, bytes.length, 1, -1, bytes.length);
    }

    private void handle(Peer sender, SendBatch batch) {
        this.router.handleMessage(InboundFramesMapper.message(new InboundFrames(sender.session, batch)));
    }

    /** A read routed on a thread of its own, which may wait (policy pause). */
    private record Routing(Thread thread, CompletableFuture<Void> done) {

        boolean isWaiting() {
            Thread.State state = this.thread.getState();
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        }
    }

    private Routing routeOnAnotherThread(Peer sender, Send... sends) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                route(sender, sends);
                done.complete(null);
            }
            catch (Throwable ex) {
                done.completeExceptionally(ex);
            }
        });
        return new Routing(thread, done);
    }

    static SendError error(ErrorCode code, int dest, long seq) {
        return new SendError(code, Integer.toUnsignedLong(dest), seq);
    }

    static List<String> texts(List<Message> delivers) {
        return delivers.stream().map(deliver -> new String(deliver.payload(), StandardCharsets.UTF_8)).toList();
    }

    // ---- the tests ----

    /** PROTOCOL.md's Example, byte for byte as the two clients read it. */
    @Test
    void theProtocolsExampleByteForByte() throws IOException {
        relay(OverflowPolicy.PAUSE, 4096);
        Peer a = connect(7);
        Peer b = connect(8);
        route(a, to(8, "hi"));
        assertThat(b.readBytes()).isEqualTo(OutboundBatchTest.hex("00 00 00 08 | 01 | 00 00 00 07 | 00 00 00 02 | 68 69"));
        route(a, to(0x63, ""));
        assertThat(a.readBytes())
                .isEqualTo(OutboundBatchTest.hex("00 00 00 07 | 02 | 01 | 00 00 00 63 | 00 00 00 00 00 00 00 02"));
    }

    /**
     * Seqs count a connection's SENDs from 1, across reads and whatever became of them (queued,
     * refused, a detached frame, the frame too large); another connection counts its own.
     */
    @Test
    void sendsAreNumberedFromOnePerConnectionAcrossReads() throws IOException {
        relay(OverflowPolicy.PAUSE, 1 << 20);
        Peer a = connect(A);
        Peer b = connect(B);
        route(a, to(NOBODY, "1"), to(B, "2"), to(98, "3"));
        handle(a, detached(97, 70_000));
        route(a, to(B, "5"), to(96, "6"));
        route(b, to(95, "b1"));
        routeOversized(a, 94, to(93, "7"));
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.UNKNOWN_DESTINATION, NOBODY, 1),
                error(ErrorCode.UNKNOWN_DESTINATION, 98, 3), error(ErrorCode.UNKNOWN_DESTINATION, 97, 4),
                error(ErrorCode.UNKNOWN_DESTINATION, 96, 6), error(ErrorCode.UNKNOWN_DESTINATION, 93, 7),
                error(ErrorCode.FRAME_TOO_LARGE, 94, 8));
        List<Incoming> atB = b.read();
        assertThat(atB).filteredOn(SendError.class::isInstance)
                .containsExactly(error(ErrorCode.UNKNOWN_DESTINATION, 95, 1));
        assertThat(texts(atB.stream().filter(Message.class::isInstance).map(Message.class::cast)
                .toList())).containsExactly("2", "5");
        assertThat(a.session.messagesIn()).isEqualTo(8 - 1);
        assertThat(a.session.bytesIn()).isEqualTo(3 + 70_000 + 2 + 1);
    }

    /**
     * The frames of one sender to several destinations (itself among them: PROTOCOL.md allows
     * it) arrive at each in order, whether they come in one read or cut into two at any frame
     * boundary, and with the destination changing from frame to frame or staying.
     */
    @Test
    void eachDestinationGetsItsFramesInOrderHoweverTheReadsCutThem() throws IOException {
        List<Send> sends = List.of(to(B, "b1"), to(B, "b2"), to(B, "b3"), to(C, "c1"), to(C, "c2"), to(B, "b4"),
                to(A, "a1"), to(B, "b5"), to(C, "c3"), to(B, "b6"));
        for (int cut = 0; cut <= sends.size(); cut++) {
            relay(OverflowPolicy.PAUSE, 1 << 20);
            Peer a = connect(A);
            Peer b = connect(B);
            Peer c = connect(C);
            for (List<Send> read : List.of(sends.subList(0, cut), sends.subList(cut, sends.size()))) {
                if (!read.isEmpty()) {
                    route(a, read.toArray(Send[]::new));
                }
            }
            List<Message> atB = b.delivers();
            assertThat(texts(atB)).as("cut at %d", cut).containsExactly("b1", "b2", "b3", "b4", "b5", "b6");
            assertThat(atB).allMatch(deliver -> deliver.src() == A);
            assertThat(texts(c.delivers())).as("cut at %d", cut).containsExactly("c1", "c2", "c3");
            assertThat(texts(a.delivers())).as("to itself, and no ERROR").containsExactly("a1");
            for (Peer peer : List.of(a, b, c)) {
                peer.disconnect();
            }
            this.peers.clear();
            assertThat(this.budget.used()).isZero();
        }
    }

    @Test
    void aDestinationNotConnectedGetsUnknownDestinationWithItsSeqAndDest() throws IOException {
        relay(OverflowPolicy.PAUSE, 1 << 20);
        Peer a = connect(A);
        Peer left = connect(B);
        left.disconnect();
        Peer closing = connect(C);
        // Closed, and not yet out of the registry: its close event has not come yet.
        closing.session.closed();
        route(a, to(Wire.OPERATOR_ID, "operator"), to(NOBODY, "x"), to(0xFFFF_FFFF, "max"), to(B, "left"),
                to(C, "closing"));
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.UNKNOWN_DESTINATION, 0, 1),
                error(ErrorCode.UNKNOWN_DESTINATION, NOBODY, 2), error(ErrorCode.UNKNOWN_DESTINATION, 0xFFFF_FFFF, 3),
                error(ErrorCode.UNKNOWN_DESTINATION, B, 4), error(ErrorCode.UNKNOWN_DESTINATION, C, 5));
    }

    /** The sender's last destination is reused while it is connected, and looked up again once it is not. */
    @Test
    void theLastDestinationIsReusedOnlyWhileItIsConnected() throws IOException {
        relay(OverflowPolicy.PAUSE, 1 << 20);
        Peer a = connect(A);
        Peer older = connect(B, new ClientIdentity(B, "device", null));
        route(a, to(B, "first"));
        assertThat(texts(older.delivers())).containsExactly("first");
        // A newer connection takes the stable ID over: the old one leaves, the new one registers.
        older.disconnect();
        Peer newer = connect(B, new ClientIdentity(B, "device", null));
        route(a, to(B, "second"));
        assertThat(texts(newer.delivers())).containsExactly("second");
        assertThat(a.read()).isEmpty();
        // Closed but not yet forgotten: not reused, and its closed queue answers for it.
        newer.session.closed();
        route(a, to(B, "third"));
        assertThat(a.read()).containsExactly(error(ErrorCode.UNKNOWN_DESTINATION, B, 3));
    }

    /**
     * A token's {@code send} claim: any other destination gets FORBIDDEN, connected or not,
     * the operator's ID included (PROTOCOL.md section 8), for frames of a read and detached
     * ones alike; the size is checked first.
     */
    @Test
    void aTokensSendClaimForbidsEveryOtherDestinationConnectedOrNot() throws IOException {
        relay(OverflowPolicy.PAUSE, 1 << 20);
        Peer a = connect(A, new ClientIdentity(0, "limited", new int[] { B, 0xFFFF_FFF0 }));
        Peer b = connect(B);
        Peer c = connect(C);
        route(a, to(B, "1"), to(C, "2"), to(NOBODY, "3"), to(Wire.OPERATOR_ID, "4"), to(B, "5"));
        long before = this.budget.used();
        handle(a, detached(C, 70_000));
        assertThat(this.budget.used()).as("a forbidden detached frame's memory is given back").isEqualTo(before);
        routeOversized(a, C, to(0xFFFF_FFF0, "7"));
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.FORBIDDEN, C, 2), error(ErrorCode.FORBIDDEN, NOBODY, 3),
                error(ErrorCode.FORBIDDEN, Wire.OPERATOR_ID, 4), error(ErrorCode.FORBIDDEN, C, 6),
                error(ErrorCode.UNKNOWN_DESTINATION, 0xFFFF_FFF0, 7), error(ErrorCode.FRAME_TOO_LARGE, C, 8));
        assertThat(texts(b.delivers())).containsExactly("1", "5");
        assertThat(c.read()).isEmpty();
    }

    /**
     * PROTOCOL.md section 3: FRAME_TOO_LARGE names the frame's dest and seq, after the frames
     * before it were routed; then the session ends as if the client had closed: DELIVERs to it
     * end as DESTINATION_GONE, and its writer ends once its own SENDs have their outcomes.
     */
    @Test
    void aFrameOverTheLimitGetsFrameTooLargeAfterTheFramesBeforeItAndEndsTheSession() throws IOException {
        relay(OverflowPolicy.PAUSE, 1 << 20);
        Peer a = connect(A);
        Peer b = connect(B);
        Peer c = connect(C);
        routeOversized(a, C, to(B, "1"), to(B, "2"));
        assertThat(a.read()).containsExactly(error(ErrorCode.FRAME_TOO_LARGE, C, 3));
        assertThat(a.session.finished()).as("its two SENDs are still in B's queue").isFalse();
        route(c, to(A, "too late"));
        assertThat(c.read()).containsExactly(error(ErrorCode.DESTINATION_GONE, A, 1));
        assertThat(texts(b.delivers())).containsExactly("1", "2");
        assertThat(a.session.finished()).isTrue();
        assertThat(a.queue().take(null)).as("its writer ends").isNull();
    }

    /**
     * A SEND taken by a queue is in flight until its outcome, and the session finishes (its
     * writer may close the connection) only when none is: here after a partial write, a whole
     * write, and a destination that leaves with messages queued.
     */
    @Test
    void everySendTakenIsInFlightUntilItsOutcome() throws IOException {
        relay(OverflowPolicy.PAUSE, 1 << 20);
        Peer a = connect(A);
        Peer b = connect(B);
        Peer c = connect(C);
        b.read();
        c.read();
        route(a, to(B, "1"), to(NOBODY, "2"), to(B, "3"), to(C, "4"));
        a.session.inputEnded();
        OutboundBatch writing = b.queue().take(null);
        b.queue().advanced(writing, Wire.DELIVER_HEADER_BYTES + 1);
        assertThat(a.session.finished()).as("one of B's two written").isFalse();
        b.queue().written(writing);
        writing.trim();
        assertThat(a.session.finished()).as("C has not written its one").isFalse();
        c.disconnect();
        assertThat(a.session.finished()).isTrue();
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.UNKNOWN_DESTINATION, NOBODY, 2),
                error(ErrorCode.DESTINATION_GONE, C, 4));
    }

    /** Policy reject: a SEND without room gets DESTINATION_BUSY for its seq, and the read goes on at once. */
    @Test
    void underRejectASendWithoutRoomGetsDestinationBusyAndTheSenderReadsOn() throws IOException {
        relay(OverflowPolicy.REJECT, 1000);
        Peer a = connect(A);
        Peer b = connect(B);
        Peer c = connect(C);
        b.read();
        route(a, to(B, 600, 1), to(B, 600, 2), to(B, 300, 3), to(C, 5, 4), to(B, 10, 5), to(B, 100, 6));
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.DESTINATION_BUSY, B, 2),
                error(ErrorCode.DESTINATION_BUSY, B, 6));
        assertThat(b.delivers()).extracting(deliver -> deliver.payload().length).containsExactly(600, 300, 10);
        assertThat(c.delivers()).hasSize(1);
    }

    /**
     * Policy pause: the sender's read waits for room, holding back only its own frames that
     * come after, and everything arrives in order with no ERROR as the destination reads.
     */
    @Test
    void underPauseASendWithoutRoomWaitsAndEverythingArrivesInOrder() throws IOException {
        relay(OverflowPolicy.PAUSE, 100);
        Peer a = connect(A);
        Peer b = connect(B);
        Peer c = connect(C);
        b.read();
        c.read();
        Send[] sends = { to(B, 60, 1), to(B, 60, 2), to(B, 60, 3), to(B, 60, 4), to(C, 1, 5) };
        Routing routing = routeOnAnotherThread(a, sends);
        patiently().until(routing::isWaiting);
        assertThat(routing.done()).isNotDone();
        assertThat(c.queue().heldBytes()).as("C's frame comes after the wait").isZero();
        List<Message> atB = new CopyOnWriteArrayList<>();
        patiently().until(() -> {
            atB.addAll(b.delivers());
            return routing.done().isDone();
        });
        routing.done().join();
        atB.addAll(b.delivers());
        assertThat(atB).extracting(deliver -> deliver.payload()[0]).containsExactly((byte) 1, (byte) 2, (byte) 3,
                (byte) 4);
        assertThat(c.delivers()).hasSize(1);
        assertThat(a.read()).isEmpty();
    }

    /** A paused SEND whose destination leaves ends DESTINATION_GONE; the next one, to a client no longer there, UNKNOWN_DESTINATION. */
    @Test
    void underPauseASendWaitingForADestinationThatLeavesEndsGone() throws IOException {
        relay(OverflowPolicy.PAUSE, 100);
        Peer a = connect(A);
        Peer b = connect(B);
        b.read();
        Routing routing = routeOnAnotherThread(a, to(B, 60, 1), to(B, 60, 2), to(B, 60, 3));
        patiently().until(routing::isWaiting);
        b.disconnect();
        patiently().until(routing.done()::isDone);
        routing.done().join();
        // ERRORs may come in any order (PROTOCOL.md section 3): the queued one is reported by the close.
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.DESTINATION_GONE, B, 1),
                error(ErrorCode.DESTINATION_GONE, B, 2), error(ErrorCode.UNKNOWN_DESTINATION, B, 3));
    }

    /**
     * When the node's memory budget has no room for the destination's queue to grow and no
     * stalled client holds any, the SEND meets the policy as if the queue were full: reject
     * answers DESTINATION_BUSY, pause waits until memory comes back.
     */
    @Test
    void withoutMemoryForTheQueueToGrowRejectAnswersBusyAndPauseWaits() throws IOException {
        for (OverflowPolicy policy : OverflowPolicy.values()) {
            relay(policy, 1 << 20, 2 * 1024 * 1024, null);
            Peer a = connect(A);
            Peer b = connect(B);
            a.read();
            b.read();
            long rest = this.budget.limit() - this.budget.used();
            assertThat(this.budget.tryTake(rest)).as("the rest held elsewhere").isTrue();
            // Larger than the queue's initial array: it must grow to take it.
            Routing routing = routeOnAnotherThread(a, to(B, 1000, 1));
            if (policy == OverflowPolicy.REJECT) {
                patiently().until(routing.done()::isDone);
                assertThat(a.read()).containsExactly(error(ErrorCode.DESTINATION_BUSY, B, 1));
                this.budget.give(rest);
                route(a, to(B, 1000, 2));
            }
            else {
                patiently().until(routing::isWaiting);
                assertThat(routing.done()).isNotDone();
                this.budget.give(rest);
                patiently().until(routing.done()::isDone);
                assertThat(a.read()).isEmpty();
            }
            assertThat(b.delivers()).as(policy.name()).hasSize(1).allMatch(deliver -> deliver.payload().length == 1000);
            a.disconnect();
            b.disconnect();
            this.peers.clear();
            assertThat(this.budget.used()).isZero();
        }
    }

    /**
     * A detached frame's payload goes to the destination's queue by reference, and its memory,
     * taken by the reader, comes back with the last hold on it: once written, or at once when
     * no queue took it.
     */
    @Test
    void aDetachedFrameIsQueuedWithoutACopyAndItsMemoryComesBackWithTheLastHold() throws IOException {
        relay(OverflowPolicy.REJECT, 100_000);
        Peer a = connect(A);
        Peer b = connect(B);
        a.read();
        b.read();
        SendBatch frame = detached(B, 70_000);
        handle(a, frame);
        assertThat(this.budget.used()).as("held by B's queue").isGreaterThanOrEqualTo(frame.detachedMemory());
        OutboundBatch writing = b.queue().take(null);
        ByteBuffer[] views = writing.views();
        assertThat(Arrays.asList(views).subList(0, writing.viewCount))
                .anySatisfy(view -> assertThat(view.array()).isSameAs(frame.bytes()));
        b.queue().written(writing);
        writing.trim();
        assertThat(this.budget.used()).isZero();

        // Not taken: to nobody, and to a queue without room (reject).
        handle(a, detached(NOBODY, 70_000));
        assertThat(this.budget.used()).isZero();
        route(a, to(B, 60_000, 1));
        long used = this.budget.used();
        handle(a, detached(B, 70_000));
        assertThat(this.budget.used()).isEqualTo(used);
        assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.UNKNOWN_DESTINATION, NOBODY, 2),
                error(ErrorCode.DESTINATION_BUSY, B, 4));
    }

    /** Destinations held by other nodes: what the router hands over, and each answer's ERROR. */
    @Test
    void aDestinationNotConnectedHereIsOfferedToTheOtherNodesWithTheSendersWait() throws IOException {
        for (OverflowPolicy policy : OverflowPolicy.values()) {
            Remote remote = new Remote();
            relay(policy, 1 << 20, 64L * 1024 * 1024, remote);
            Peer a = connect(A);
            Peer b = connect(B);
            route(a, to(Remote.TAKES, "x"), to(Remote.BUSY, "y"), to(Remote.GONE, "z"), to(Remote.NOBODY, "w"),
                    to(Wire.OPERATOR_ID, "op"), to(B, "local"));
            handle(a, detached(Remote.TAKES, 70_000));
            assertThat(remote.offers).as(policy.name()).extracting(Remote.Offer::dest).containsExactly(Remote.TAKES,
                    Remote.BUSY, Remote.GONE, Remote.NOBODY, Remote.TAKES);
            assertThat(remote.offers).extracting(Remote.Offer::seq).containsExactly(1L, 2L, 3L, 4L, 7L);
            assertThat(remote.offers).allMatch(offer -> offer.src() == A && offer.origin() == a.session);
            assertThat(remote.offers).extracting(Remote.Offer::waitNanos)
                    .containsOnly((policy == OverflowPolicy.PAUSE) ? Long.MAX_VALUE : 0L);
            assertThat(remote.offers.get(0).payload()).isEqualTo("x".getBytes());
            assertThat(remote.offers.get(4).payload()).hasSize(70_000);
            assertThat(a.read()).containsExactlyInAnyOrder(error(ErrorCode.DESTINATION_BUSY, Remote.BUSY, 2),
                    error(ErrorCode.DESTINATION_GONE, Remote.GONE, 3),
                    error(ErrorCode.UNKNOWN_DESTINATION, Remote.NOBODY, 4),
                    error(ErrorCode.UNKNOWN_DESTINATION, Wire.OPERATOR_ID, 5));
            assertThat(texts(b.delivers())).containsExactly("local");

            // The two the other node took are in flight until it reports their outcomes.
            a.session.inputEnded();
            assertThat(a.session.finished()).isFalse();
            a.session.delivered(Remote.TAKES, 1);
            assertThat(a.session.finished()).isFalse();
            a.session.failed(ErrorCode.DESTINATION_GONE, Remote.TAKES, 7);
            assertThat(a.session.finished()).isTrue();
            assertThat(a.read()).containsExactly(error(ErrorCode.DESTINATION_GONE, Remote.TAKES, 7));
            a.disconnect();
            b.disconnect();
            this.peers.clear();
            assertThat(this.budget.used()).isZero();
        }
    }

    /**
     * A burst to one remote destination goes to the other nodes as one run, numbered in order;
     * a frame the run did not take is offered on its own, and the run's outcomes count as one
     * each.
     */
    @Test
    void aBurstToADestinationOfAnotherNodeIsOfferedAsOneRun() throws IOException {
        Remote remote = new Remote();
        remote.runsUpTo = 3;
        relay(OverflowPolicy.PAUSE, 1 << 20, 64L * 1024 * 1024, remote);
        Peer a = connect(A);
        Peer b = connect(B);
        route(a, to(Remote.TAKES, "1"), to(Remote.TAKES, "2"), to(Remote.TAKES, "3"), to(Remote.TAKES, "4"),
                to(B, "local"), to(Remote.TAKES, "6"), to(Remote.NOBODY, "7"));
        assertThat(remote.runs).extracting(Remote.Run::firstSeq).containsExactly(1L, 4L, 6L);
        assertThat(remote.runs).extracting(Remote.Run::texts).containsExactly(List.of("1", "2", "3"), List.of("4"),
                List.of("6"));
        assertThat(remote.runs).allMatch(run -> run.src() == A && run.origin() == a.session);
        // "4" did not fit in the first run and starts the next; "5" went to B here; "7", which no run took, on its own.
        assertThat(remote.offers).extracting(Remote.Offer::seq).containsExactly(7L);
        assertThat(texts(b.delivers())).containsExactly("local");
        assertThat(a.read()).containsExactly(error(ErrorCode.UNKNOWN_DESTINATION, Remote.NOBODY, 7));

        a.session.inputEnded();
        a.session.delivered(Remote.TAKES, 1, 3);
        a.session.delivered(Remote.TAKES, 4);
        assertThat(a.session.finished()).isFalse();
        a.session.delivered(Remote.TAKES, 6, 1);
        assertThat(a.session.finished()).isTrue();
    }

    /** Other nodes, as the router sees them: answers by destination, and a record of what it was handed. */
    static final class Remote implements RemoteDestinations {

        static final int TAKES = 500;
        static final int BUSY = 501;
        static final int GONE = 502;
        static final int NOBODY = 503;

        record Offer(int dest, int src, byte[] payload, MessageOrigin origin, long seq, long waitNanos) {
        }

        record Run(int src, long firstSeq, List<String> texts, MessageOrigin origin) {
        }

        final List<Offer> offers = new CopyOnWriteArrayList<>();
        final List<Run> runs = new CopyOnWriteArrayList<>();
        /** How many frames to TAKES a run takes at most; none by default, so that every frame is offered alone. */
        int runsUpTo;

        @Override
        public long offerRun(int src, byte[] frames, int from, int end, MessageOrigin origin, long firstSeq,
                long waitNanos) {
            List<String> texts = new ArrayList<>();
            int p = from;
            while (p < end && texts.size() < this.runsUpTo && Wire.getInt(frames, p) == TAKES) {
                int length = Wire.getInt(frames, p + 4);
                texts.add(new String(frames, p + Wire.SEND_HEADER_BYTES, length, StandardCharsets.UTF_8));
                p += Wire.SEND_HEADER_BYTES + length;
            }
            if (!texts.isEmpty()) {
                this.runs.add(new Run(src, firstSeq, texts, origin));
                return RemoteDestinations.run(p, texts.size(), OfferResult.QUEUED);
            }
            // Not as a run: the first frame alone, as offer takes it.
            int length = Wire.getInt(frames, from + 4);
            OfferResult alone = offer(Wire.getInt(frames, from), src, frames, from + Wire.SEND_HEADER_BYTES, length, origin,
                    firstSeq, waitNanos);
            return (alone == OfferResult.QUEUED)
                    ? RemoteDestinations.run(from + Wire.SEND_HEADER_BYTES + length, 1, OfferResult.QUEUED)
                    : RemoteDestinations.run(from, 0, alone);
        }

        @Override
        public OfferResult offer(int dest, int src, byte[] bytes, int offset, int length, MessageOrigin origin, long seq,
                long waitNanos) {
            this.offers.add(new Offer(dest, src, Arrays.copyOfRange(bytes, offset, offset + length), origin, seq,
                    waitNanos));
            return switch (dest) {
                case TAKES -> OfferResult.QUEUED;
                case BUSY -> OfferResult.BUSY;
                case GONE -> OfferResult.GONE;
                default -> OfferResult.CLOSED;
            };
        }
    }

    /**
     * A run from a client of another node: one offer queues, copied, the frames the queue takes at
     * once, and stops at a payload large enough to be held whole and at another destination,
     * which the caller offers on their own.
     */
    @Test
    void aRunFromAnotherNodeIsQueuedAtOnceUpToAFrameThatNeedsAnOfferOfItsOwn() throws IOException {
        relay(OverflowPolicy.REJECT, 200_000);
        Peer b = connect(B);
        b.read();
        RecordingOrigin origin = new RecordingOrigin();
        byte[] frames = frames(List.of(to(B, "1"), to(B, "2"), to(B, 70_000, 'L'), to(B, "4"), to(A, "5")));
        int large = 2 * (Wire.SEND_HEADER_BYTES + 1);
        int afterLarge = large + Wire.SEND_HEADER_BYTES + 70_000;
        int toA = afterLarge + Wire.SEND_HEADER_BYTES + 1;

        long run = this.router.offerRun(9, frames, 0, frames.length, origin, 11);
        assertThat(FrameRun.taken(run)).isEqualTo(2);
        assertThat(FrameRun.position(run)).isEqualTo(large);
        run = this.router.offerRun(9, frames, afterLarge, frames.length, origin, 14);
        assertThat(FrameRun.taken(run)).isEqualTo(1);
        assertThat(FrameRun.position(run)).isEqualTo(toA);
        run = this.router.offerRun(9, frames, toA, frames.length, origin, 15);
        assertThat(FrameRun.taken(run)).as("A is not connected here").isZero();
        assertThat(FrameRun.position(run)).isEqualTo(toA);
        Arrays.fill(frames, (byte) 0);

        assertThat(texts(b.delivers())).containsExactly("1", "2", "4");
        await().atMost(Duration.ofSeconds(5)).until(() -> origin.count() == 3);
        origin.assertExactlyOneEach(B, List.of(11L, 12L, 14L), RecordingOrigin.DELIVERED);
    }

    /** The operator's message: from src 0, copied before the offer returns, small or large, with its outcome. */
    @Test
    void theOperatorsMessageIsCopiedBeforeTheOfferReturnsAndReportsItsOutcome() throws IOException {
        relay(OverflowPolicy.PAUSE, 200_000);
        Peer b = connect(B);
        b.read();
        RecordingOrigin origin = new RecordingOrigin();
        byte[] small = "small".getBytes();
        byte[] large = new byte[100_000];
        Arrays.fill(large, (byte) 'L');
        assertThat(this.router.offer(B, Wire.OPERATOR_ID, small, 0, small.length, origin, 1, 0))
                .isEqualTo(OfferResult.QUEUED);
        assertThat(this.router.offer(B, Wire.OPERATOR_ID, large, 0, large.length, origin, 2, 0))
                .isEqualTo(OfferResult.QUEUED);
        Arrays.fill(small, (byte) 0);
        Arrays.fill(large, (byte) 0);
        assertThat(this.router.offer(B, Wire.OPERATOR_ID, new byte[150_000], 0, 150_000, origin, 3, 0))
                .isEqualTo(OfferResult.BUSY);
        assertThat(this.router.offer(NOBODY, Wire.OPERATOR_ID, small, 0, 1, origin, 4, 0)).isEqualTo(OfferResult.CLOSED);
        List<Message> delivers = b.delivers();
        assertThat(delivers).extracting(Message::src).containsOnly((long) Wire.OPERATOR_ID);
        assertThat(delivers.get(0).payload()).isEqualTo("small".getBytes());
        assertThat(delivers.get(1).payload()).hasSize(100_000).containsOnly((byte) 'L');
        origin.assertExactlyOneEach(B, List.of(1L, 2L), RecordingOrigin.DELIVERED);
    }

    /** A broadcast reaches every client whose queue has room, without waiting, with one copy of its body counted once. */
    @Test
    void aBroadcastSharesOneCopyAmongTheQueuesWithRoom() throws IOException {
        relay(OverflowPolicy.PAUSE, 100_000);
        Peer a = connect(A);
        Peer b = connect(B);
        Peer full = connect(C);
        a.read();
        b.read();
        full.read();
        route(a, to(C, 60_000, 1));
        long used = this.budget.used();
        RecordingOrigin origin = new RecordingOrigin();
        byte[] body = new byte[100_000];
        assertThat(this.router.broadcast(Wire.OPERATOR_ID, body, origin)).isEqualTo(2);
        assertThat(this.budget.used() - used).as("one copy").isBetween(100_000L, 150_000L);
        for (Peer peer : List.of(a, b)) {
            assertThat(peer.delivers()).singleElement()
                    .satisfies(deliver -> assertThat(deliver.src()).isEqualTo(Wire.OPERATOR_ID))
                    .satisfies(deliver -> assertThat(deliver.payload()).hasSize(100_000));
        }
        assertThat(origin.all()).extracting(RecordingOrigin.Outcome::dest).containsExactlyInAnyOrder(A, B);
        assertThat(origin.delivered()).hasSize(2);
        assertThat(full.delivers()).singleElement().satisfies(deliver -> assertThat(deliver.src()).isEqualTo(A));
    }
}
