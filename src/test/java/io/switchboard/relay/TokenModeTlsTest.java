package io.switchboard.relay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.switchboard.support.TestCa;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token mode over TLS (PROTOCOL.md sections 7 and 8): the HELLO travels inside the session, the
 * refusal is answered through it, byte for byte as on plain TCP, also when it is the HELLO's
 * deadline that refuses (from the deadline's thread, while the reader waits in a read of the
 * session); hello-timeout counts from the end of the handshake; and a token's {@code sub} comes
 * before the certificate's subject.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.tcp.ssl.bundle=relay", "switchboard.tcp.ssl.client-auth=want",
        "switchboard.auth.mode=token", "switchboard.auth.jwt.secret=" + Tokens.SECRET,
        "switchboard.auth.hello-timeout=1s" })
class TokenModeTlsTest extends RelayTestSupport {

    private static final TlsFixture TLS = TlsFixture.create();

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) {
        TLS.bundleProperties("relay", false).forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void removeFiles() {
        TLS.close();
    }

    private TestClient connect(TestCa.Credential identity, String protocol, String token) throws Exception {
        TestClient client = track(TestClient.overWithoutGreeting(TlsSockets.connect(port(), TLS.client(identity), 0,
                protocol)));
        client.writeRaw(TestClient.hello(token));
        client.readGreeting();
        return client;
    }

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void aTokensSubComesBeforeTheCertificatesSubjectAndTheClientsRelay(String protocol) throws Exception {
        TestCa.Credential carol = TLS.ca.client("CN=carol,O=Switchboard Test");
        TestClient named = connect(carol, protocol, Tokens.hs256(Map.of("sub", "alice")));
        TestClient unnamed = connect(carol, protocol, Tokens.hs256(Map.of()));
        assertThat(named.id()).isNotZero();
        assertThat(unnamed.id()).isNotZero();
        assertThat(session(named).subject()).isEqualTo("alice");
        assertThat(session(unnamed).subject()).isEqualTo("CN=carol,O=Switchboard Test");
        named.send(unnamed.id(), "over TLS".getBytes(StandardCharsets.UTF_8));
        assertThat(unnamed.readDeliver().payload()).isEqualTo("over TLS".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void aRefusedTokenGetsTheWholeAnswerThroughTheSession(String protocol) throws Exception {
        TestClient stranger = track(TestClient.overWithoutGreeting(TlsSockets.connect(port(), TLS.client(null), 0,
                protocol)));
        stranger.writeRaw(TestClient.hello("not a token"));
        assertThat(stranger.readAllBytes()).isEqualTo(TokenModeTest.NOT_ADMITTED);
    }

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void helloTimeoutCountsFromTheHandshakeAndItsRefusalComesThroughTheSession(String protocol) throws Exception {
        TestClient silent = track(TestClient.overWithoutGreeting(TlsSockets.connect(port(), TLS.client(null), 0,
                protocol)));
        long handshakeDone = System.nanoTime();
        assertThat(silent.readAllBytes()).isEqualTo(TokenModeTest.NOT_ADMITTED);
        Duration took = Duration.ofNanos(System.nanoTime() - handshakeDone);
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
    }
}
