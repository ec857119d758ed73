package io.switchboard.relay;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful shutdown (the context closing, as on SIGTERM) keeps exactly one outcome for every
 * SEND the server read (PROTOCOL.md section 4, item 1, and section 5): it stops reading first,
 * drains, and closes a client only once its own SENDs have their outcomes, or the grace is
 * over, with DESTINATION_GONE for what is left, written to the senders that still read.
 * Each test runs a context of its own and closes it.
 */
class RelayShutdownOutcomeTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** An ID nobody has: each SEND to it earns its sender an UNKNOWN_DESTINATION ERROR. */
    private static final int NOBODY = 99_999_999;

    /** How {@link #readToTheEnd} tells of an orderly end. */
    static final String END_OF_STREAM = "the end of the stream";

    private final List<TestClient> clients = new ArrayList<>();
    private ConfigurableApplicationContext context;

    @AfterEach
    void closeEverything() throws IOException {
        for (TestClient client : this.clients) {
            client.close();
        }
        if (this.context != null) {
            this.context.close();
        }
    }

    private int start(String... properties) {
        List<String> all = new ArrayList<>(List.of("server.port=0", "switchboard.tcp.port=0"));
        all.addAll(List.of(properties));
        this.context = new SpringApplicationBuilder(SwitchboardApplication.class).properties(all.toArray(String[]::new))
                .run();
        RelayEndpoint endpoint = this.context.getBean(RelayEndpoint.class);
        await().atMost(PATIENCE).until(endpoint::isListening);
        return endpoint.port();
    }

    private TestClient track(TestClient client) {
        this.clients.add(client);
        return client;
    }

    /** Closes the context on a thread of its own, as a SIGTERM would. */
    private CompletableFuture<Duration> closeInBackground() {
        CompletableFuture<Duration> took = new CompletableFuture<>();
        long start = System.nanoTime();
        Thread.ofVirtual().name("context-close").start(() -> {
            this.context.close();
            took.complete(Duration.ofNanos(System.nanoTime() - start));
        });
        return took;
    }

    /** Reads a client's frames into the ledger until the server closes it. */
    private static CompletableFuture<Void> readInto(OutcomeLedger ledger, TestClient client) {
        return readInto(ledger, client, () -> Duration.ZERO);
    }

    /** As {@link #readInto(OutcomeLedger, TestClient)}, pausing after each frame as long as {@code pace} says. */
    private static CompletableFuture<Void> readInto(OutcomeLedger ledger, TestClient client, Supplier<Duration> pace) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread.ofVirtual().name("reader-" + client.id()).start(() -> {
            try {
                client.readTimeout(PATIENCE);
                client.readUntilEnd(frame -> {
                    switch (frame) {
                        case Message deliver -> ledger.delivered(client.id(), deliver);
                        case SendError error -> ledger.failed(client.id(), error);
                    }
                    // A slow reader, no more: nothing waits on this.
                    LockSupport.parkNanos(pace.get().toNanos());
                });
                ended.complete(null);
            }
            catch (Throwable ex) {
                ended.completeExceptionally(ex);
            }
        });
        return ended;
    }

    /**
     * Four senders queue 240 messages of 32 KiB (more than the sockets hold) for a client that
     * does not read; then the shutdown. The
     * senders stay connected until their messages have outcomes: what the stuck client could
     * take is delivered, the rest ends as DESTINATION_GONE when the grace is over, and those
     * ERRORs reach the senders. Nothing is UNKNOWN_DESTINATION: the client was connected
     * throughout.
     */
    @Test
    void messagesQueuedForAClientThatDoesNotReadEachGetOneOutcome() throws Exception {
        Duration grace = Duration.ofSeconds(3);
        int port = start("switchboard.shutdown-grace=" + grace.toSeconds() + "s", "switchboard.max-queued-bytes=262144",
                "switchboard.slow-consumer-timeout=120s");
        ClientRegistry registry = this.context.getBean(ClientRegistry.class);
        TestClient stuck = track(TestClient.connect(port, 4096));
        OutcomeLedger ledger = new OutcomeLedger();
        List<CompletableFuture<Void>> senderReads = new ArrayList<>();
        List<TestClient> senders = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            TestClient sender = track(TestClient.connect(port));
            senders.add(sender);
            senderReads.add(readInto(ledger, sender));
        }
        for (TestClient sender : senders) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 60; i++) {
                        long seq = sender.sent() + 1;
                        ledger.sent(sender.id(), seq, stuck.id());
                        sender.send(stuck.id(), TaggedPayload.of(sender.id(), seq, 32 * 1024));
                    }
                }
                catch (IOException ex) {
                    // Its connection ended during the shutdown: the SENDs not written have no outcome.
                }
            });
        }
        // The stuck client's queue has stopped moving, full: the senders wait for room.
        await().atMost(PATIENCE).until(() -> {
            ClientSession session = registry.get(stuck.id());
            long since = session.queue().stalledSinceNanos();
            return since != 0 && System.nanoTime() - since > 300_000_000L && session.queuedBytes() > 200_000;
        });

        Duration took = closeInBackground().get(grace.plusSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
        for (CompletableFuture<Void> read : senderReads) {
            read.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
        for (Incoming frame : stuck.readUntilEnd()) {
            ledger.delivered(stuck.id(), (Message) frame);
        }

        System.out.println("Shutdown with 240 messages for a client that does not read, in " + took.toMillis()
                + " ms: " + ledger.tally() + ", " + ledger.missing() + " SENDs never read");
        assertThat(ledger.problemsAllowingUnreadEnds()).isEmpty();
        assertThat(ledger.tally()).containsKeys("DELIVER", ErrorCode.DESTINATION_GONE.name())
                .doesNotContainKey(ErrorCode.UNKNOWN_DESTINATION.name());
        assertThat(took).isLessThan(grace.plusSeconds(2));
    }

    /**
     * Pairs exchange messages at a steady rate, and the server shuts down among them; one client
     * reads slowly, so that its queue cannot drain within the grace. Every SEND the server read has
     * exactly one outcome: the slow client's sender stays connected until the messages still queued
     * for it end as DESTINATION_GONE, and reads those ERRORs before it is closed.
     */
    @Test
    void steadyTrafficKeepsOneOutcomePerSendThroughAShutdown() throws Exception {
        int port = start("switchboard.shutdown-grace=2s");
        ClientRegistry registry = this.context.getBean(ClientRegistry.class);
        OutcomeLedger ledger = new OutcomeLedger();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TestClient a = track(TestClient.connect(port));
            TestClient b = track(TestClient.connect(port));
            reads.add(sendAndRead(ledger, a, b, 64));
            reads.add(sendAndRead(ledger, b, a, 64));
        }
        TestClient sender = track(TestClient.connect(port));
        TestClient slow = track(TestClient.connect(port, 4096));
        reads.add(sendAndRead(ledger, sender, slow, 32 * 1024));
        AtomicBoolean closed = new AtomicBoolean();
        reads.add(readInto(ledger, slow, () -> closed.get() ? Duration.ZERO : Duration.ofMillis(100)));
        await().atMost(PATIENCE).until(() -> ledger.tally().getOrDefault("DELIVER", 0) > 20_000
                && registry.get(slow.id()).queuedBytes() > 2 * 1024 * 1024);

        Duration took = closeInBackground().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        closed.set(true);
        for (CompletableFuture<Void> read : reads) {
            read.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
        System.out.println("Shutdown under steady traffic, one client reading slowly, in " + took.toMillis() + " ms: "
                + ledger.tally() + ", " + ledger.missing() + " SENDs never read");
        assertThat(ledger.problemsAllowingUnreadEnds()).isEmpty();
        assertThat(ledger.outcomesTo(sender.id(), slow.id()).values()).anySatisfy(
                outcomes -> assertThat(outcomes).containsExactly(ErrorCode.DESTINATION_GONE.name()));
    }

    /**
     * A client that goes on sending after the shutdown has stopped reading it: the server still
     * holds ERRORs for it, in its queue and in the socket's send buffer (the client has a small
     * receive buffer and has not read), when the bytes it sent last arrive unread. The client
     * then reads everything: one outcome for each SEND the server read, then the end of the
     * stream. Closing a socket with unread bytes in it would reset the connection and throw away
     * the ERRORs still in its send buffer.
     */
    @Test
    void aClientThatSendsAfterReadingStoppedReadsEveryOutcomeThenTheEnd() throws Exception {
        outcomesOfAClientWhoseReadingStops(true);
    }

    /**
     * A client that sends nothing more while its reader waits in a read: the shutdown stops
     * reading it at once, without waiting for it to send, writes it its ERRORs and closes in order.
     */
    @Test
    void anIdleClientIsNotWaitedForAndReadsEveryOutcomeThenTheEnd() throws Exception {
        outcomesOfAClientWhoseReadingStops(false);
    }

    private void outcomesOfAClientWhoseReadingStops(boolean sendsAfterStop) throws Exception {
        Duration grace = Duration.ofSeconds(20);
        int port = start("switchboard.shutdown-grace=" + grace.toSeconds() + "s", "switchboard.max-queued-bytes=16MB");
        ClientRegistry registry = this.context.getBean(ClientRegistry.class);
        TestClient client = track(TestClient.connect(port, 4096));
        ClientSession session = registry.get(client.id());
        OutcomeLedger ledger = new OutcomeLedger();
        // 5.6 MB of ERRORs: more than the sockets hold while the client does not read (the
        // server's send buffer grows to 4 MB on Linux by default), so that some wait in its queue.
        int sends = 400_000;
        writeInBackground(client, sendsToNobody(ledger, client, sends)).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        await().atMost(PATIENCE).until(() -> {
            long since = session.queue().stalledSinceNanos();
            return session.messagesIn() == sends && since != 0 && System.nanoTime() - since > 300_000_000L;
        });

        CompletableFuture<Duration> closing = closeInBackground();
        // Its reader waits in a read: the shutdown must not wait for the client to send, which
        // would last until the grace's end.
        await().atMost(grace.dividedBy(2)).until(session::finished);
        if (sendsAfterStop) {
            writeInBackground(client, sendsToNobody(ledger, client, 1000)).get(PATIENCE.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        String end = readToTheEnd(ledger, client);
        client.close();
        Duration took = closing.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

        System.out.println("Shutdown with a client " + (sendsAfterStop ? "that sends after its reading stopped" : "idle")
                + ", in " + took.toMillis() + " ms: " + ledger.tally() + ", " + ledger.missing()
                + " SENDs never read, then " + end);
        assertThat(ledger.problemsAllowingUnreadEnds()).isEmpty();
        assertThat(ledger.tally()).containsExactly(Map.entry(ErrorCode.UNKNOWN_DESTINATION.name(), sends));
        assertThat(end).isEqualTo(END_OF_STREAM);
        // Closed once its queue was written, not when the grace ran out.
        assertThat(took).isLessThan(grace);
    }

    /**
     * {@code count} SENDs from {@code client} to {@link #NOBODY}, registered in the ledger and
     * counted as sent, in one array to write at once.
     */
    static byte[] sendsToNobody(OutcomeLedger ledger, TestClient client, int count) {
        byte[] frame = TestClient.sendFrame(NOBODY, new byte[0]);
        byte[] all = new byte[count * frame.length];
        for (int i = 0; i < count; i++) {
            ledger.sent(client.id(), client.sent() + 1 + i, NOBODY);
            System.arraycopy(frame, 0, all, i * frame.length, frame.length);
        }
        client.countSent(count);
        return all;
    }

    /** Writes on a thread of its own, so that a server that stops reading fails the test instead of hanging it. */
    static CompletableFuture<Void> writeInBackground(TestClient client, byte[] bytes) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread.ofVirtual().name("writer-" + client.id()).start(() -> {
            try {
                client.writeRaw(bytes);
                written.complete(null);
            }
            catch (Throwable ex) {
                written.completeExceptionally(ex);
            }
        });
        return written;
    }

    /**
     * Reads {@code client}'s frames into the ledger until the server ends the connection, and
     * tells how: {@link #END_OF_STREAM}, or the exception (a reset).
     */
    static String readToTheEnd(OutcomeLedger ledger, TestClient client) throws IOException {
        try {
            while (true) {
                switch (client.read()) {
                    case Message deliver -> ledger.delivered(client.id(), deliver);
                    case SendError error -> ledger.failed(client.id(), error);
                }
            }
        }
        catch (EOFException ex) {
            return END_OF_STREAM;
        }
        catch (SocketException ex) {
            return ex.toString();
        }
    }

    /**
     * {@code client} sends tagged messages of {@code size} bytes to {@code partner}, ten every two
     * milliseconds, until the server has closed it, and reads its frames into the ledger.
     */
    private static CompletableFuture<Void> sendAndRead(OutcomeLedger ledger, TestClient client, TestClient partner,
            int size) {
        CompletableFuture<Void> read = readInto(ledger, client, () -> Duration.ZERO);
        AtomicBoolean ended = new AtomicBoolean();
        read.whenComplete((ignored, failure) -> ended.set(true));
        Thread.ofVirtual().start(() -> {
            try {
                while (!ended.get()) {
                    for (int burst = 0; burst < 10; burst++) {
                        long seq = client.sent() + 1;
                        ledger.sent(client.id(), seq, partner.id());
                        client.send(partner.id(), TaggedPayload.of(client.id(), seq, size));
                    }
                    // Paces the traffic, no more: nothing waits on this.
                    LockSupport.parkNanos(2_000_000);
                }
            }
            catch (IOException ex) {
                // The server closed this client: the SENDs not written have no outcome.
            }
        });
        return read;
    }
}
