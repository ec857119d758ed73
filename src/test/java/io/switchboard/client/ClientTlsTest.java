package io.switchboard.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.switchboard.cli.ChatCommandTest;
import io.switchboard.cli.bench.BenchCommandTest;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestCa;
import io.switchboard.support.TlsFixture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Java client, {@code client} and {@code bench} with TLS, against a server whose relay port
 * speaks it (client certificates wanted), with PEM files, a key store and a trust store made at
 * test time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "switchboard.tcp.port=0",
    "switchboard.tcp.ssl.bundle=relay",
    "switchboard.tcp.ssl.client-auth=want",
    "switchboard.tcp.ssl.handshake-timeout=1s" })
class ClientTlsTest {

    private static final TlsFixture TLS = TlsFixture.create();
    private static final TestCa.Credential ALICE = TLS.ca.client("CN=alice,O=Switchboard Test");
    private static final Path ALICE_CERTIFICATE = TLS.directory.resolve("alice.crt");
    private static final Path ALICE_KEY = TLS.directory.resolve("alice.key");

    static {
        ALICE.write(ALICE_CERTIFICATE, ALICE_KEY);
    }

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) {
        TLS.bundleProperties("relay", false).forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void removeFiles() {
        TLS.close();
    }

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    int port() {
        await().until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    private String subjectOf(SwitchboardClient client) {
        return this.registry.get((int) client.id()).subject();
    }

    @Test
    void theLibraryConnectsTrustingAPemCaAndRelays() throws Exception {
        ClientTls tls = ClientTls.of(TlsFiles.trusting(TLS.trustedCa));
        try (SwitchboardClient client = SwitchboardClient.builder("127.0.0.1", port()).tls(tls).connect()) {
            client.send(client.id(), "over TLS".getBytes(StandardCharsets.UTF_8));
            Incoming incoming = client.receive(Duration.ofSeconds(10));
            assertThat(incoming).isInstanceOfSatisfying(Message.class,
                    message -> assertThat(message.text()).contains("over TLS"));
            assertThat(subjectOf(client)).isNull();
        }
    }

    @Test
    void theLibraryPresentsAPemCertificateAndKey() throws Exception {
        TlsFiles files = new TlsFiles(TLS.trustedCa, null, null, ALICE_CERTIFICATE, ALICE_KEY, null, null);
        try (SwitchboardClient client = SwitchboardClient.builder("127.0.0.1", port())
                .tls(ClientTls.of(files.context())).connect()) {
            assertThat(subjectOf(client)).isEqualTo("CN=alice,O=Switchboard Test");
        }
    }

    @Test
    void theLibraryTakesAKeyStoreAndATrustStore() throws Exception {
        char[] password = "store-secret".toCharArray();
        Path keyStore = TLS.directory.resolve("alice.p12");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("alice", ALICE.key(), password, new Certificate[] { ALICE.certificate(), TLS.ca.certificate() });
        store(keys, keyStore, password);
        Path trustStore = TLS.directory.resolve("trust.p12");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", TLS.ca.certificate());
        store(trust, trustStore, password);

        TlsFiles files = new TlsFiles(null, trustStore, password, null, null, keyStore, password);
        try (SwitchboardClient client = SwitchboardClient.builder("127.0.0.1", port())
                .tls(ClientTls.of(files.context())).connect()) {
            assertThat(subjectOf(client)).isEqualTo("CN=alice,O=Switchboard Test");
        }
    }

    @Test
    void aServerWhoseCertificateDoesNotNameTheHostIsRefused() throws Exception {
        ClientTls tls = ClientTls.of(TlsFiles.trusting(TLS.trustedCa)).serverName("relay.example.com");
        assertThatThrownBy(() -> SwitchboardClient.builder("127.0.0.1", port()).tls(tls).connect())
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("TLS handshake with 127.0.0.1:");
    }

    @Test
    void aPlainClientOfATlsPortIsToldItMaySpeakTls() {
        assertThatThrownBy(() -> SwitchboardClient.builder("127.0.0.1", port()).connectTimeout(Duration.ofSeconds(5))
                .connect()).isInstanceOf(ConnectionClosedException.class).hasMessageContaining("speaks TLS");
    }

    @Test
    void aTlsClientOfAPlainServerIsToldItMayNotSpeakTls() throws Exception {
        try (ServerSocket plain = new ServerSocket(0)) {
            Thread server = Thread.ofVirtual().start(() -> {
                try (Socket socket = plain.accept(); OutputStream out = socket.getOutputStream()) {
                    // What a plain relay answers a ClientHello with: a greeting, then an ERROR
                    // (FRAME_TOO_LARGE: the ClientHello's bytes read as a SEND header).
                    out.write(new byte[] { 0, 0, 0, 1, 2, 4, 0x16, 3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1 });
                    socket.getInputStream().read();
                }
                catch (IOException ex) {
                    // the client went
                }
            });
            ClientTls tls = ClientTls.of(TlsFiles.trusting(TLS.trustedCa));
            assertThatThrownBy(() -> SwitchboardClient.builder("127.0.0.1", plain.getLocalPort()).tls(tls).connect())
                    .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("speak TLS?");
            server.join(Duration.ofSeconds(10));
        }
    }

    @Test
    void aKeyThatIsNotPkcs8IsRefusedWithTheCommandThatConvertsIt() throws Exception {
        Path pkcs1 = TLS.directory.resolve("pkcs1.key");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        TlsFiles files = new TlsFiles(TLS.trustedCa, null, null, ALICE_CERTIFICATE, pkcs1, null, null);
        assertThatThrownBy(files::context).isInstanceOf(IOException.class)
                .hasMessageContaining("'RSA PRIVATE KEY'").hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void theClientCommandConnectsWithTlsOptions() throws Exception {
        try (ChatCommandTest.RunningCli cli = new ChatCommandTest.RunningCli("client", "127.0.0.1:" + port(),
                "--tls-ca", TLS.trustedCa.toString(), "--tls-cert", ALICE_CERTIFICATE.toString(), "--tls-key",
                ALICE_KEY.toString())) {
            await().atMost(ChatCommandTest.TIMEOUT).until(() -> cli.out().contains(" over TLS"));
            String id = cli.out().lines().filter(line -> line.endsWith(" over TLS")).findFirst().orElseThrow()
                    .replaceAll(".* as (\\d+) over TLS", "$1");
            assertThat(this.registry.get(Integer.parseUnsignedInt(id)).subject()).isEqualTo("CN=alice,O=Switchboard Test");
            cli.type(id + " hello over TLS");
            cli.awaitOutLine(id + ": hello over TLS");
            cli.stdin.close();
            assertThat(cli.awaitExit()).isZero();
        }
    }

    @Test
    void tlsOptionsThatDoNotGoTogetherAreAUsageError() {
        BenchCommandTest.Run run = BenchCommandTest.bench(port(), "--scenario", "pairs", "--tls-cert",
                ALICE_CERTIFICATE.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("TLS options: a client certificate needs its key");
        BenchCommandTest.Run connect = BenchCommandTest.bench(port(), "--scenario", "connect", "--tls");
        assertThat(connect.exitCode()).isEqualTo(2);
        assertThat(connect.err()).contains("--tls is not supported with --scenario connect");
    }

    @Test
    void benchPairsOverTlsDeliversEverything() {
        BenchCommandTest.Run run = BenchCommandTest.bench(port(), "--scenario", "pairs", "-c", "4", "-m", "100", "-w",
                "16", "-d", "1s", "--warmup", "200ms", "--json", "--tls", "--tls-ca", TLS.trustedCa.toString());
        BenchCommandTest.assertAllDelivered(run);
    }

    @Test
    void benchSlowOverTlsKeepsTheClientThatDoesNotReadConnected() {
        BenchCommandTest.Run run = BenchCommandTest.bench(port(), "--scenario", "slow", "-c", "2", "-k", "1", "-m", "64",
                "-r", "500", "-d", "1s", "--warmup", "200ms", "--json", "--tls-ca", TLS.trustedCa.toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.number("$.lost")).isZero();
        assertThat(run.number("$.slow.flood_sent")).isPositive();
    }

    private static void store(KeyStore store, Path file, char[] password) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
    }
}
