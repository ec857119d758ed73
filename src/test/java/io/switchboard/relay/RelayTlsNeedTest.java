package io.switchboard.relay;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.client.Message;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TestCa;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code client-auth: need}: only clients with a certificate the bundle trusts are admitted (PROTOCOL.md section 7). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "switchboard.tcp.port=0",
    "switchboard.tcp.ssl.bundle=relay",
    "switchboard.tcp.ssl.client-auth=need" })
class RelayTlsNeedTest extends RelayTestSupport {

    private static final TlsFixture TLS = TlsFixture.create();

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

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void aClientWithoutACertificateIsRefusedWithoutAnId(String protocol) throws Exception {
        double before = failures();
        // Under TLS 1.3 the client's side of the handshake ends before the server has checked its
        // certificate: the refusal then arrives where the greeting would have.
        assertThatThrownBy(() -> TestClient.over(TlsSockets.connect(port(), TLS.client(null), 0, protocol)))
                .isInstanceOfAny(SSLException.class, SocketException.class, EOFException.class);
        await().atMost(PATIENCE).until(() -> failures() == before + 1);
        assertThat(this.registry.size()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void aClientWithATrustedCertificateIsAdmittedWithItsSubject(String protocol) throws Exception {
        TestCa.Credential bob = TLS.ca.client("CN=bob,OU=Robots,O=Switchboard Test");
        TestClient client = track(TlsSockets.client(port(), TLS.client(bob), protocol));
        assertThat(session(client).subject()).isEqualTo("CN=bob,OU=Robots,O=Switchboard Test");
        client.send(client.id(), "self".getBytes(StandardCharsets.UTF_8));
        assertThat(client.readDeliver().payload()).isEqualTo("self".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void aCertificateFromAnotherCaIsRefused(String protocol) throws Exception {
        double before = failures();
        TestCa.Credential mallory = TLS.stranger.client("CN=mallory,O=Elsewhere");
        assertThatThrownBy(() -> TestClient.over(TlsSockets.connect(port(), TLS.client(mallory), 0, protocol)))
                .isInstanceOfAny(SSLException.class, SocketException.class, EOFException.class);
        await().atMost(PATIENCE).until(() -> failures() == before + 1);
        assertThat(this.registry.size()).isZero();
    }

    /**
     * TLS 1.2 has no half-close: a client's close_notify makes the JDK answer with its own and close
     * the connection (RFC 5246) once the write in progress is done, so what is still queued for the
     * client then is not written (how much that is depends on how fast the client reads meanwhile);
     * each message still has exactly one outcome, in order: what the client read, then
     * DESTINATION_GONE. (Here, not beside the slow-consumer test's 2 s timeout: under load the
     * receiver would be evicted before it closes its side.)
     */
    @Test
    void aTls12ClientThatClosesItsSideEndsItsSessionAndWhatWasQueuedForItIsGone() throws Exception {
        TestClient sender = track(TlsSockets.client(port(), TLS.client(TLS.ca.client("CN=sender,O=Switchboard Test"))));
        TestClient receiver = track(TestClient.over(TlsSockets.connect(port(), TLS.client(TLS.ca.client(
                "CN=receiver,O=Switchboard Test")), SMALL_RECEIVE_BUFFER, "TLSv1.2")));
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        ClientSession session = session(receiver);
        int size = 10_000;
        result(floodUntilFull(sender, receiver, size, 0, ledger));

        receiver.socket().shutdownOutput(); // close_notify
        receiver.readUntilEnd(frame -> ledger.delivered(receiver.id(), (Message) frame));
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(session.isClosed()).as("the receiver's session closed").isTrue();
            assertThat(ledger.missing()).as("SENDs without an outcome, of %s: %s", ledger.size(), ledger.tally()).isZero();
        });
        senderFrames.stop();

        System.out.println("Outcomes after a TLS 1.2 client's close_notify: " + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(ledger.tally()).containsKey("DELIVER");
        assertOutcomesInSequence(ledger.outcomesTo(sender.id(), receiver.id()), "DELIVER at " + receiver.id(),
                "DESTINATION_GONE", "UNKNOWN_DESTINATION");
    }

    private double failures() throws IOException {
        return this.meters.get("switchboard.tls.handshake.failures").tag("reason", "failed").counter().count();
    }
}
