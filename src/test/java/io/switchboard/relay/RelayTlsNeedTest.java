package io.switchboard.relay;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
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

    private double failures() throws IOException {
        return this.meters.get("switchboard.tls.handshake.failures").tag("reason", "failed").counter().count();
    }
}
