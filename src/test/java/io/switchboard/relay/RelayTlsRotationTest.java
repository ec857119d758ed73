package io.switchboard.relay;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.switchboard.support.TestCa;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Certificate rotation (PROTOCOL.md section 7): the bundle's files replaced on disk, as
 * cert-manager does, and the bundle reloaded ({@code reload-on-update}): new handshakes use the
 * new key, certificate and trust material within seconds, without a restart, and a connection
 * opened before goes on relaying with its session.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "switchboard.tcp.port=0",
    "switchboard.tcp.ssl.bundle=relay",
    "switchboard.tcp.ssl.client-auth=need",
    "spring.ssl.bundle.watch.file.quiet-period=500ms" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class RelayTlsRotationTest extends RelayTestSupport {

    /**
     * Its files go when the JVM exits, not after this class: the context's file watcher would see
     * them deleted and log a failed reload, with a stack trace, into the output of whichever test
     * runs then (the context is closed after this class, but only after its @AfterAll methods).
     */
    private static final TlsFixture TLS = TlsFixture.create().deletedAtExit();

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) {
        TLS.bundleProperties("relay", true).forEach((name, value) -> registry.add(name, () -> value));
    }

    @Test
    void newHandshakesUseTheNewKeyCertificateAndTrustWhileAConnectionFromBeforeKeepsRelaying() throws Exception {
        TestCa next = TestCa.create("Next CA");
        TestCa.Credential alice = TLS.ca.client("CN=alice,O=Switchboard Test");
        TestCa.Credential bob = next.client("CN=bob,O=Switchboard Test");
        // Alice's context keeps her session: a later connection with it resumes that session.
        SSLContext aliceContext = TestCa.clientContext(alice, TLS.ca.certificate(), next.certificate());
        TestClient old = track(TestClient.over(TlsSockets.connect(port(), aliceContext, 0)));
        Certificate before = serverCertificate(old);
        assertThat(before).isEqualTo(TLS.serverCertificate());
        try (TestClient resumed = TestClient.over(TlsSockets.connect(port(), aliceContext, 0))) {
            assertThat(tls(resumed).getSession().getCreationTime()).as("a resumed session")
                    .isEqualTo(tls(old).getSession().getCreationTime());
        }

        // First the trust alone moves to another CA: Bob's certificate from it is taken, and Alice's
        // from the old one is refused, in a new session or in the one she had before (checked
        // again, as she proved it to the trust of then).
        next.writeCertificate(TLS.trustedCa);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (SSLSocket probe = fresh(bob, next)) {
                TestClient.over(probe);
                return true;
            }
        });
        assertThatThrownBy(() -> {
            try (SSLSocket refused = TlsSockets.connect(port(), aliceContext, 0)) {
                TestClient.over(refused);
            }
        }).isInstanceOfAny(SSLException.class, SocketException.class, EOFException.class);
        assertThatThrownBy(() -> {
            try (SSLSocket refused = fresh(alice, next)) {
                TestClient.over(refused);
            }
        }).isInstanceOfAny(SSLException.class, SocketException.class, EOFException.class);

        // Then the key and certificate: from the other CA too.
        TestCa.Credential nextServer = next.server("relay-2");
        long rotatedAt = System.nanoTime();
        TLS.rotateServer(nextServer);

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (SSLSocket probe = fresh(bob, next)) {
                return serverCertificate(probe).equals(nextServer.certificate());
            }
        });
        Duration took = Duration.ofNanos(System.nanoTime() - rotatedAt);
        System.out.println("New handshakes used the new certificate " + took.toMillis()
                + " ms after the files changed (quiet period 500 ms)");
        assertThat(took).isLessThan(Duration.ofSeconds(10));

        TestClient newcomer = track(TestClient.over(fresh(bob, next)));
        assertThat(session(newcomer).subject()).isEqualTo("CN=bob,O=Switchboard Test");

        // The connection from before the rotation is still open, with its session, and relays.
        assertThat(serverCertificate(old)).isEqualTo(before);
        old.send(newcomer.id(), "from before".getBytes(StandardCharsets.UTF_8));
        assertThat(newcomer.readDeliver().payload()).isEqualTo("from before".getBytes(StandardCharsets.UTF_8));
        newcomer.send(old.id(), "from after".getBytes(StandardCharsets.UTF_8));
        assertThat(old.readDeliver().payload()).isEqualTo("from after".getBytes(StandardCharsets.UTF_8));
        assertThat(session(old).subject()).isEqualTo("CN=alice,O=Switchboard Test");
    }

    /** A full handshake (a context of its own) as {@code identity}, trusting both CAs. */
    private SSLSocket fresh(TestCa.Credential identity, TestCa next) throws IOException {
        return TlsSockets.connect(port(), TestCa.clientContext(identity, TLS.ca.certificate(), next.certificate()), 0);
    }

    private static SSLSocket tls(TestClient client) {
        return (SSLSocket) client.socket();
    }

    private static Certificate serverCertificate(TestClient client) throws IOException {
        return tls(client).getSession().getPeerCertificates()[0];
    }

    private static Certificate serverCertificate(SSLSocket socket) throws IOException {
        return socket.getSession().getPeerCertificates()[0];
    }
}
