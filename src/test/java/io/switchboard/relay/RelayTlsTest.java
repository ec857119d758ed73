package io.switchboard.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.admin.AdminHttp;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestCa;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The relay port with TLS (PROTOCOL.md section 7), client certificates wanted: real TLS sessions
 * on loopback, with certificates made at test time. The clients of {@link RelayTestSupport}
 * ({@link #connect}, {@link #connectNonReading}) are TLS clients here, so its checks of the close
 * paths run over TLS too.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "switchboard.tcp.port=0",
    "switchboard.tcp.ssl.bundle=relay",
    "switchboard.tcp.ssl.client-auth=want",
    "switchboard.tcp.ssl.handshake-timeout=3s",
    "switchboard.slow-consumer-timeout=2s",
    "switchboard.max-queued-bytes=1MB",
    "switchboard.admin.password=secret" })
class RelayTlsTest extends RelayTestSupport {

    private static final TlsFixture TLS = TlsFixture.create();
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) {
        TLS.bundleProperties("relay", false).forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void removeFiles() {
        TLS.close();
    }

    @Autowired
    MeterRegistry meters;

    @LocalServerPort
    int httpPort;

    private final TestCa.Credential alice = TLS.ca.client("CN=alice,O=Switchboard Test");

    @Override
    TestClient connect() throws IOException {
        return track(TlsSockets.client(port(), TLS.client(null)));
    }

    @Override
    TestClient connectNonReading() throws IOException {
        return track(TestClient.over(TlsSockets.connect(port(), TLS.client(null), SMALL_RECEIVE_BUFFER)));
    }

    @Test
    void relaysBothWaysOverTls13AndTls12GreetingFirst() throws Exception {
        TestClient a = track(TlsSockets.client(port(), TLS.client(null), "TLSv1.3"));
        TestClient b = track(TlsSockets.client(port(), TLS.client(null), "TLSv1.2"));
        assertThat(((SSLSocket) a.socket()).getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(((SSLSocket) b.socket()).getSession().getProtocol()).isEqualTo("TLSv1.2");
        assertThat(a.id()).isNotEqualTo(b.id());

        a.send(b.id(), "to b".getBytes(StandardCharsets.UTF_8));
        b.send(a.id(), "to a".getBytes(StandardCharsets.UTF_8));
        Message atB = b.readDeliver();
        Message atA = a.readDeliver();
        assertThat(atB.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
        assertThat(new String(atB.payload(), StandardCharsets.UTF_8)).isEqualTo("to b");
        assertThat(atA.src()).isEqualTo(Integer.toUnsignedLong(b.id()));
        assertThat(new String(atA.payload(), StandardCharsets.UTF_8)).isEqualTo("to a");

        long seq = a.send(0x7FFF_FFF0, new byte[0]);
        SendError error = a.readError();
        assertThat(error.code()).isEqualTo(ErrorCode.UNKNOWN_DESTINATION);
        assertThat(error.seq()).isEqualTo(seq);
    }

    @Test
    void aPlainClientWaitingForItsIdIsClosedWithoutOneWhenTheHandshakeTimesOut() throws Exception {
        double before = failures("timeout");
        try (Socket plain = plainSocket()) {
            long start = System.nanoTime();
            int first = readOrEnd(plain.getInputStream());
            Duration closedAfter = Duration.ofNanos(System.nanoTime() - start);

            assertThat(first).as("the first byte, -1 at the end").isEqualTo(-1);
            assertThat(closedAfter).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(100))
                    .isLessThan(HANDSHAKE_TIMEOUT.plusSeconds(5));
        }
        assertThat(this.registry.size()).isZero();
        await().atMost(PATIENCE).until(() -> failures("timeout") == before + 1);
    }

    @Test
    void aPlainClientThatSendsFramesIsRefusedAtOnceAndNothingOfItIsRouted() throws Exception {
        TestClient receiver = connect();
        TestClient other = connect();
        double before = failures("failed");
        try (Socket plain = plainSocket()) {
            long start = System.nanoTime();
            plain.getOutputStream().write(TestClient.sendFrame(receiver.id(), "in the clear".getBytes(StandardCharsets.UTF_8)));
            int first = readOrEnd(plain.getInputStream());
            Duration closedAfter = Duration.ofNanos(System.nanoTime() - start);

            assertThat(first).as("a TLS alert (21) or the end, never a greeting").isIn(-1, 0x15);
            assertThat(closedAfter).isLessThan(HANDSHAKE_TIMEOUT);
        }
        await().atMost(PATIENCE).until(() -> failures("failed") == before + 1);
        other.send(receiver.id(), "over TLS".getBytes(StandardCharsets.UTF_8));
        Message first = receiver.readDeliver();
        assertThat(first.src()).isEqualTo(Integer.toUnsignedLong(other.id()));
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("over TLS");
        assertThat(this.registry.size()).isEqualTo(2);
    }

    @Test
    void underWantAClientWithoutACertificateIsAdmittedWithoutASubjectAndOneWithACertificateHasItsSubject()
            throws Exception {
        TestClient anonymous = track(TlsSockets.client(port(), TLS.client(null)));
        TestClient withCertificate = track(TlsSockets.client(port(), TLS.client(this.alice)));
        AdminHttp admin = AdminHttp.as(this.httpPort, "admin", "secret");

        JsonNode anonymousView = admin.client(anonymous.id());
        JsonNode aliceView = admin.client(withCertificate.id());
        assertThat(anonymousView.has("subject")).isTrue();
        assertThat(anonymousView.get("subject").isNull()).isTrue();
        assertThat(aliceView.get("subject").asString()).isEqualTo("CN=alice,O=Switchboard Test");
        List<String> listed = new ArrayList<>();
        for (JsonNode client : admin.get("/api/clients").json().get("clients")) {
            listed.add(client.get("subject").isNull() ? null : client.get("subject").asString());
        }
        assertThat(listed).containsExactlyInAnyOrder(null, "CN=alice,O=Switchboard Test");
        assertThat(session(withCertificate).subject()).isEqualTo("CN=alice,O=Switchboard Test");
    }

    @Test
    void underWantACertificateTheBundleDoesNotTrustFailsTheHandshake() throws Exception {
        double before = failures("failed");
        TestCa.Credential mallory = TLS.stranger.client("CN=mallory,O=Elsewhere");
        assertThatThrownBy(() -> TestClient.over(TlsSockets.connect(port(), TLS.client(mallory), 0)))
                .isInstanceOfAny(SSLException.class, SocketException.class, java.io.EOFException.class);
        await().atMost(PATIENCE).until(() -> failures("failed") == before + 1);
        assertThat(this.registry.size()).isZero();
    }

    /**
     * Connections that stall in their handshake, each on its own reader thread, hold up nobody: a
     * pair connects and relays while they wait, and each is closed at the handshake timeout,
     * also one that sends a byte now and then (which no read timeout would ever end).
     */
    @Test
    void stalledHandshakesHoldUpNoOtherClientAndEndAtTheTimeout() throws Exception {
        byte[] partialHello = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 }; // a record of 512 bytes, 1 of them sent
        List<Socket> stalled = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            Socket socket = plainSocket();
            socket.getOutputStream().write(partialHello);
            stalled.add(socket);
        }
        Socket dripping = plainSocket();
        OutputStream drip = dripping.getOutputStream();
        drip.write(partialHello);
        Future<Void> dripper = background(() -> {
            try {
                while (true) {
                    Thread.sleep(300); // the pace of a client that trickles bytes, not a synchronisation
                    drip.write(0);
                }
            }
            catch (IOException ex) {
                return null; // closed by the server
            }
        });

        TestClient a = connect();
        TestClient b = connect();
        for (int i = 0; i < 200; i++) {
            a.send(b.id(), TaggedPayload.of(a.id(), i + 1, 100));
            b.readDeliver();
            b.send(a.id(), TaggedPayload.of(b.id(), i + 1, 100));
            a.readDeliver();
        }
        Duration pairDone = Duration.ofNanos(System.nanoTime() - start);

        List<Duration> closedAfter = new ArrayList<>();
        for (Socket socket : stalled) {
            assertThat(readOrEnd(socket.getInputStream())).isEqualTo(-1);
            closedAfter.add(Duration.ofNanos(System.nanoTime() - start));
            socket.close();
        }
        assertThat(readOrEnd(dripping.getInputStream())).isEqualTo(-1);
        Duration dripClosedAfter = Duration.ofNanos(System.nanoTime() - start);
        result(dripper);
        dripping.close();

        System.out.printf("A pair connected and made 200 round trips over TLS in %d ms beside 21 stalled "
                + "handshakes; those were closed after %d to %d ms (timeout %d ms)%n", pairDone.toMillis(),
                closedAfter.getFirst().toMillis(), dripClosedAfter.toMillis(), HANDSHAKE_TIMEOUT.toMillis());
        assertThat(pairDone).isLessThan(closedAfter.getFirst());
        assertThat(closedAfter.getFirst()).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(100));
        assertThat(dripClosedAfter).isBetween(HANDSHAKE_TIMEOUT.minusMillis(100), HANDSHAKE_TIMEOUT.plusSeconds(5));
        assertThat(this.registry.size()).isEqualTo(2);
    }

    /**
     * A TLS connection broken mid-batch, by a disconnect from another thread while its writer is
     * blocked in a write: the disconnect does not wait for the writer, the client reads every
     * record the socket took, and each message has exactly one outcome, in order: delivered (and
     * counted as written by the server) up to a point, DESTINATION_GONE after it.
     */
    @Test
    void aTlsConnectionBrokenMidBatchGivesEveryMessageExactlyOneOutcome() throws Exception {
        TestClient sender = connect();
        TestClient receiver = connectNonReading();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        ClientSession session = session(receiver);
        int size = 10_000; // messages across TLS records
        result(floodUntilFull(sender, receiver, size, 5, ledger));
        await().atMost(PATIENCE).until(() -> session.queuedBytes() > 0
                && System.nanoTime() - session.queue().stalledSinceNanos() > 200_000_000L);

        long start = System.nanoTime();
        session.disconnect();
        Duration disconnectTook = Duration.ofNanos(System.nanoTime() - start);
        receiver.readUntilEnd(frame -> ledger.delivered(receiver.id(), (Message) frame));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(ledger.missing())
                .as("SENDs without an outcome, of %s: %s", ledger.size(), ledger.tally()).isZero());
        senderFrames.stop();

        Map<String, Integer> tally = ledger.tally();
        System.out.println("Outcomes of a TLS connection broken mid-batch: " + tally + "; disconnect took "
                + disconnectTook.toMillis() + " ms");
        assertThat(ledger.problems()).isEmpty();
        assertThat(disconnectTook).isLessThan(Duration.ofSeconds(1));
        assertThat(tally).containsKeys("DELIVER", ErrorCode.DESTINATION_GONE.name());
        // What the sender had written that the paused server had not read yet finds the receiver gone.
        assertOutcomesInSequence(ledger.outcomesTo(sender.id(), receiver.id()), "DELIVER at " + receiver.id(),
                "DESTINATION_GONE", "UNKNOWN_DESTINATION");
        // The writer counts what it wrote as it reports the outcomes: what the client read.
        await().atMost(PATIENCE).until(() -> session.messagesOut() == tally.get("DELIVER"));
    }

    @Test
    void aSlowConsumerOverTlsIsEvictedAndItsSenderFreed() throws Exception {
        assertSlowConsumerEvictedAndSenderFreed(true);
    }

    /** TLS 1.3 has half-close: a client that ends its side is written what is queued, then closed in order. */
    @Test
    void aTls13ClientThatClosesItsSideIsWrittenWhatIsQueuedThenClosed() throws Exception {
        TestClient client = track(TlsSockets.client(port(), TLS.client(null), "TLSv1.3"));
        for (int i = 1; i <= 3; i++) {
            client.send(client.id(), TaggedPayload.of(client.id(), i, 2000));
        }
        client.socket().shutdownOutput(); // close_notify
        List<Incoming> frames = client.readUntilClosed();
        assertThat(frames).hasSize(3).allMatch(Message.class::isInstance);
        assertInOrder(frames.stream().map(Message.class::cast).toList(), 1, 3);
    }

    private double failures(String reason) {
        return this.meters.get("switchboard.tls.handshake.failures").tag("reason", reason).counter().count();
    }

    private Socket plainSocket() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
        socket.setSoTimeout((int) HANDSHAKE_TIMEOUT.plusSeconds(10).toMillis());
        return socket;
    }

    /** The first byte read, or -1 at the end of the stream or a reset. */
    private static int readOrEnd(InputStream in) throws IOException {
        try {
            return in.read();
        }
        catch (SocketException ex) {
            return -1;
        }
    }
}
