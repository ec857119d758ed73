package io.switchboard.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;
import io.switchboard.relay.RelayEndpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ClientTestServer
class SwitchboardClientTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    int port() {
        await().until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    SwitchboardClient connect() throws IOException {
        return SwitchboardClient.connect("127.0.0.1", port());
    }

    static Incoming next(SwitchboardClient client) throws Exception {
        Incoming incoming = client.receive(TIMEOUT);
        assertThat(incoming).as("a frame within %s", TIMEOUT).isNotNull();
        return incoming;
    }

    @Test
    void connectReadsTheIdAndMessagesFlowBothWays() throws Exception {
        try (SwitchboardClient a = connect(); SwitchboardClient b = connect()) {
            assertThat(a.id()).isPositive().isNotEqualTo(b.id());
            assertThat(a.send(b.id(), "hi".getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
            assertThat(next(b)).isEqualTo(new Message(a.id(), "hi".getBytes(StandardCharsets.UTF_8)));
            assertThat(b.send(a.id(), new byte[0])).isEqualTo(1);
            assertThat(b.send(b.id(), new byte[] {1, 2, 3}, 1, 2)).isEqualTo(2);
            assertThat(next(a)).isEqualTo(new Message(b.id(), new byte[0]));
            assertThat(next(b)).isEqualTo(new Message(b.id(), new byte[] {2, 3}));
            assertThat(a.sent()).isEqualTo(1);
            assertThat(b.sent()).isEqualTo(2);
        }
    }

    @Test
    void receiveGivesNullWhenNothingArrivesInTime() throws Exception {
        try (SwitchboardClient a = connect()) {
            assertThat(a.receive(Duration.ofMillis(100))).isNull();
        }
    }

    @Test
    void unknownDestinationIsATypedErrorNamingDestAndSeq() throws Exception {
        try (SwitchboardClient a = connect()) {
            long first = a.send(0, "to the operator?".getBytes(StandardCharsets.UTF_8));
            long second = a.send(Wire.MAX_ID, new byte[0]);
            assertThat(next(a)).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 0, first));
            SendError error = (SendError) next(a);
            assertThat(error).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 4_294_967_295L, second));
            assertThat(error.describe()).isEqualTo("message 2 to 4294967295 not delivered: unknown destination");
        }
    }

    @Test
    void destinationThatStopsReadingGivesBusyThenGoneWhenItLeaves() throws Exception {
        try (SwitchboardClient sender = connect(); Socket neverReads = new Socket()) {
            // A small receive buffer stops the kernel growing it: what the server can write is bounded.
            neverReads.setReceiveBufferSize(4096);
            neverReads.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            neverReads.setSoTimeout((int) TIMEOUT.toMillis());
            long dest = new ServerFrameReader(neverReads.getInputStream()).readGreeting();
            int neverReadsId = Wire.toId(dest);
            ClientSession target = this.registry.get(neverReadsId);
            ClientSession source = this.registry.get((int) sender.id());
            byte[] chunk = new byte[16 * 1024];
            // Send while the queue has room, until the server can write nothing more to the
            // socket: the queue then holds data that stays.
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (target.queuedBytes() + chunk.length <= ClientTestServer.MAX_QUEUED_BYTES || !stuck(target)) {
                assertThat(System.nanoTime()).as("the queue never stayed full").isLessThan(deadline);
                if (target.queuedBytes() + chunk.length <= ClientTestServer.MAX_QUEUED_BYTES) {
                    sender.send(dest, chunk);
                    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(1)).until(() -> source.messagesIn() == sender.sent());
                }
            }
            assertThat(sender.receive(Duration.ZERO)).as("every SEND so far found room").isNull();
            // The 64 KiB queue has no room for these: policy reject answers BUSY.
            for (int i = 0; i < 4; i++) {
                sender.send(dest, chunk);
            }
            SendError busy = (SendError) next(sender);
            assertThat(busy.code()).isEqualTo(ErrorCode.DESTINATION_BUSY);
            assertThat(busy.dest()).isEqualTo(dest);
            assertThat(busy.seq()).isBetween(sender.sent() - 3, sender.sent());

            neverReads.close();
            // What was queued for it when it left ends as DESTINATION_GONE, each naming its own SEND.
            SendError gone = nextErrorWhere(sender, (e) -> e.code() == ErrorCode.DESTINATION_GONE);
            assertThat(gone.dest()).isEqualTo(dest);
            assertThat(gone.seq()).isBetween(1L, sender.sent()).isNotEqualTo(busy.seq());
            // Once it has gone, it is unknown.
            long late = sender.send(dest, new byte[1]);
            assertThat(nextErrorWhere(sender, (e) -> e.seq() == late))
                    .isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, dest, late));
        }
    }

    /** True when the queue does not shrink within half a second: its writer cannot write. */
    static boolean stuck(ClientSession session) {
        long before = session.queuedBytes();
        try {
            await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(5)).until(() -> session.queuedBytes() < before);
            return false;
        }
        catch (ConditionTimeoutException ex) {
            return true;
        }
    }

    /** Skips frames (the other ERRORs of a burst) until one matches, within the timeout. */
    static SendError nextErrorWhere(SwitchboardClient client, Predicate<SendError> wanted) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (client.receive(Duration.ofMillis(100)) instanceof SendError error && wanted.test(error)) {
                return error;
            }
        }
        throw new AssertionError("no matching ERROR within " + TIMEOUT);
    }

    @Test
    void frameTooLargeIsTypedAndTheServerClosesTheConnection() throws Exception {
        try (SwitchboardClient a = connect(); SwitchboardClient b = connect()) {
            a.send(b.id(), "before".getBytes(StandardCharsets.UTF_8));
            long seq = a.send(b.id(), new byte[ClientTestServer.MAX_PAYLOAD_BYTES + 1]);
            assertThat(next(a)).isEqualTo(new SendError(ErrorCode.FRAME_TOO_LARGE, b.id(), seq));
            assertThatThrownBy(() -> a.receive(TIMEOUT)).isInstanceOf(ConnectionClosedException.class);
            assertThat(a.isOpen()).isFalse();
            assertThatThrownBy(() -> a.send(b.id(), new byte[1])).isInstanceOf(ConnectionClosedException.class);
            // and keeps saying so
            assertThatThrownBy(() -> a.receive(TIMEOUT)).isInstanceOf(ConnectionClosedException.class);
            assertThat(next(b)).isEqualTo(new Message(a.id(), "before".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void concurrentSendersGetUniqueSeqsInWireOrder() throws Exception {
        int threads = 4;
        int perThread = 2000;
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        Set<Long> undelivered = ConcurrentHashMap.newKeySet();
        CountDownLatch closed = new CountDownLatch(1);
        try (SwitchboardClient receiver = SwitchboardClient.connect("127.0.0.1", port(), new IncomingListener() {
            @Override
            public void onIncoming(Incoming incoming) {
                received.add((Message) incoming);
            }

            @Override
            public void onClosed(@Nullable IOException cause) {
                closed.countDown();
            }
        });
                SwitchboardClient sender = SwitchboardClient.connect("127.0.0.1", port(), (incoming) -> {
                    SendError error = (SendError) incoming;
                    // Policy reject with a 64 KiB queue (ClientTestServer): a burst may find it full.
                    assertThat(error.code()).isEqualTo(ErrorCode.DESTINATION_BUSY);
                    undelivered.add(error.seq());
                })) {
            Map<Long, String> payloadBySeq = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            String text = thread + "/" + i;
                            long seq = sender.send(receiver.id(), text.getBytes(StandardCharsets.UTF_8));
                            assertThat(payloadBySeq.put(seq, text)).as("seq %d given twice", seq).isNull();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            }
            finally {
                pool.shutdownNow();
            }
            int total = threads * perThread;
            assertThat(payloadBySeq.keySet()).hasSize(total).allMatch((seq) -> seq >= 1 && seq <= total);
            // The server delivers in wire order, so the messages arrive by ascending seq, each
            // one that was not answered with an ERROR.
            await().atMost(TIMEOUT).until(() -> received.size() + undelivered.size() == total);
            List<String> expected = new ArrayList<>();
            for (long seq = 1; seq <= total; seq++) {
                if (!undelivered.contains(seq)) {
                    expected.add(payloadBySeq.get(seq));
                }
            }
            assertThat(received).allMatch((m) -> m.src() == sender.id());
            assertThat(received.stream().map((m) -> m.text().orElseThrow()).toList()).containsExactlyElementsOf(expected);
            // Not all refused: a burst of messages of a few bytes fills the 64 KiB queue's overhead
            // bound (header and tracking, 33 bytes a message) long before its payload bound.
            assertThat(expected).as("a good part arrive").hasSizeGreaterThan(total / 4);
        }
        assertThat(closed.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void bufferedSendsGoOutOnFlushInOrder() throws Exception {
        try (SwitchboardClient a = connect(); SwitchboardClient b = connect()) {
            byte[] payload = "x123".getBytes(StandardCharsets.UTF_8);
            assertThat(a.sendBuffered(b.id(), payload, 0, 2)).isEqualTo(1);
            assertThat(a.sendBuffered(b.id(), payload, 1, 3)).isEqualTo(2);
            a.flush();
            assertThat(next(b)).isEqualTo(new Message(a.id(), "x1".getBytes(StandardCharsets.UTF_8)));
            assertThat(next(b)).isEqualTo(new Message(a.id(), "123".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void closeWritesWhatWasBufferedAndEndsBothSides() throws Exception {
        AtomicReference<@Nullable IOException> cause = new AtomicReference<>(new IOException("not called"));
        CountDownLatch closed = new CountDownLatch(1);
        try (SwitchboardClient b = connect()) {
            SwitchboardClient a = SwitchboardClient.connect("127.0.0.1", port(), new IncomingListener() {
                @Override
                public void onIncoming(Incoming incoming) {
                }

                @Override
                public void onClosed(@Nullable IOException ex) {
                    cause.set(ex);
                    closed.countDown();
                }
            });
            a.sendBuffered(b.id(), new byte[] {7}, 0, 1);
            a.close();
            assertThat(closed.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(cause.get()).as("closed by the application: no cause").isNull();
            assertThat(a.isOpen()).isFalse();
            assertThatThrownBy(() -> a.send(b.id(), new byte[1])).isInstanceOf(ConnectionClosedException.class);
            assertThatThrownBy(() -> a.receive(TIMEOUT)).isInstanceOf(IllegalStateException.class);
            assertThat(next(b)).isEqualTo(new Message(a.id(), new byte[] {7}));
            a.close(); // twice is harmless
        }
    }

    @Test
    void receiveAfterCloseSaysClosed() throws Exception {
        SwitchboardClient a = connect();
        a.close();
        assertThatThrownBy(() -> a.receive(TIMEOUT)).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("was closed");
    }

    @Test
    void connectFailsClearlyWhenTheServerClosesWithoutAnId() throws Exception {
        try (ServerSocket refusing = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = refusing.accept()) {
                    // at its client limit: closes without writing an ID
                }
                catch (IOException ignored) {
                }
            });
            assertThatThrownBy(() -> SwitchboardClient.connect("127.0.0.1", refusing.getLocalPort()))
                    .isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("without an ID");
        }
    }

    @Test
    void idsAreValidatedBeforeAnythingIsWritten() throws Exception {
        try (SwitchboardClient a = connect()) {
            assertThatThrownBy(() -> a.send(-1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a.send(Wire.MAX_ID + 1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
            assertThat(a.sent()).isZero();
        }
    }
}
