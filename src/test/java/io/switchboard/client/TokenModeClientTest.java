package io.switchboard.client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.nimbusds.jose.JWSAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.cli.ChatCommandTest;
import io.switchboard.cli.TokenCommandTest;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The client side of token mode against the real server in token mode: the Java client with a
 * token supplier, admitted or refused; {@code client HOST:PORT --token} with a token the
 * {@code token} command minted. ({@code bench --token}: BenchTokenTest.)
 */
@TokenModeTestServer
class TokenModeClientTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final long FIRST_ASSIGNED_ID = TokenModeTestServer.FIRST_ASSIGNED_ID;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    @TempDir
    Path directory;

    int port() {
        await().atMost(TIMEOUT).until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    SwitchboardClient.Builder builder() {
        return SwitchboardClient.builder("127.0.0.1", port());
    }

    static Incoming next(SwitchboardClient client) throws Exception {
        Incoming incoming = client.receive(TIMEOUT);
        assertThat(incoming).as("a frame within %s", TIMEOUT).isNotNull();
        return incoming;
    }

    static String token(Map<String, Object> claims) {
        return Tokens.hs256(claims);
    }

    @Test
    void theJavaClientIsAdmittedWithATokenFromItsSupplierAndMessagesFlow() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        Supplier<String> fresh = () -> {
            asked.incrementAndGet();
            return token(Map.of("sub", "java-client"));
        };
        try (SwitchboardClient a = builder().token(fresh).connect();
                SwitchboardClient b = builder().token(fresh).connect();
                SwitchboardClient stable = builder().token(() -> token(Map.of("sid", 4242))).connect()) {
            assertThat(asked).as("the supplier is asked once per connect").hasValue(2);
            assertThat(a.id()).isBetween(FIRST_ASSIGNED_ID, 4294967295L);
            assertThat(b.id()).isBetween(FIRST_ASSIGNED_ID, 4294967295L).isNotEqualTo(a.id());
            assertThat(stable.id()).isEqualTo(4242);
            assertThat(this.registry.get((int) a.id()).subject()).isEqualTo("java-client");

            // The HELLO is not numbered: the first SEND is seq 1.
            assertThat(a.send(b.id(), "hi".getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
            assertThat(next(b)).isEqualTo(new Message(a.id(), "hi".getBytes(StandardCharsets.UTF_8)));
            assertThat(b.send(stable.id(), new byte[] { 1, 2, 3 })).isEqualTo(1);
            assertThat(next(stable)).isEqualTo(new Message(b.id(), new byte[] { 1, 2, 3 }));
            assertThat(stable.send(a.id(), new byte[0])).isEqualTo(1);
            assertThat(next(a)).isEqualTo(new Message(stable.id(), new byte[0]));
            assertThat(a.send(12345, new byte[1])).isEqualTo(2);
            assertThat(next(a)).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 12345, 2));
        }
    }

    @Test
    void aRefusedTokenThrowsNotAdmittedWithAuthFailed() {
        String good = token(Map.of());
        String[] refused = {
            // Another key.
            Tokens.sign(Tokens.claims(Map.of()), JWSAlgorithm.HS256,
                    Tokens.secretSigner("b3RoZXItc2VjcmV0LW9mLWF0LWxlYXN0LTMyLWJ5dGVzIQ==")),
            // Expired.
            token(Map.of("exp", Date.from(Instant.now().minusSeconds(60)))),
            // A damaged signature.
            good.substring(0, good.length() - 4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA"),
            "not a token" };
        for (String bad : refused) {
            assertThatThrownBy(() -> builder().token(() -> bad).connect()).as(bad)
                    .isInstanceOfSatisfying(NotAdmittedException.class,
                            ex -> assertThat(ex.code()).isEqualTo(ErrorCode.AUTH_FAILED))
                    .hasMessageContaining("did not admit");
        }
    }

    @Test
    void withoutATokenTheJavaClientIsNotAdmittedOnceTheHelloTimeoutPasses() {
        assertThatThrownBy(() -> builder().connect())
                .isInstanceOfSatisfying(NotAdmittedException.class,
                        ex -> assertThat(ex.code()).isEqualTo(ErrorCode.AUTH_FAILED));
    }

    /** {@code token --secret-file}, as an operator would mint it, then {@code client --token}. */
    @Test
    void theClientCommandIsAdmittedWithATokenFromTheTokenCommand() throws Exception {
        Path secret = this.directory.resolve("secret");
        Files.writeString(secret, Tokens.SECRET, StandardCharsets.US_ASCII);
        TokenCommandTest.Run minted = TokenCommandTest.run("token", "--secret-file", secret.toString(), "--sub", "cli",
                "--ttl", "10m");
        assertThat(minted.exitCode()).as(minted.err()).isZero();
        String jwt = minted.out().strip();

        try (ChatCommandTest.RunningCli cli = new ChatCommandTest.RunningCli("client", "127.0.0.1:" + port(), "--token", jwt);
                SwitchboardClient peer = builder().token(() -> token(Map.of())).connect()) {
            await().atMost(TIMEOUT).until(() -> cli.out().contains(" as ") || cli.exit.isDone());
            Matcher m = Pattern.compile("connected to 127\\.0\\.0\\.1:\\d+ as (\\d+)").matcher(cli.out());
            assertThat(m.find()).as("stdout %s, stderr %s", cli.out(), cli.err()).isTrue();
            long cliId = Long.parseLong(m.group(1));
            assertThat(cliId).isBetween(FIRST_ASSIGNED_ID, 4294967295L);
            assertThat(this.registry.get((int) cliId).subject()).isEqualTo("cli");

            peer.send(cliId, "hello, cli".getBytes(StandardCharsets.UTF_8));
            cli.awaitOutLine(peer.id() + ": hello, cli");
            cli.type(peer.id() + " hello, peer");
            assertThat(next(peer)).isEqualTo(new Message(cliId, "hello, peer".getBytes(StandardCharsets.UTF_8)));

            cli.close();
            assertThat(cli.awaitExit()).isZero();
        }
    }

    @Test
    void theClientCommandWithABadTokenSaysItWasNotAdmitted() throws Exception {
        try (ChatCommandTest.RunningCli cli = new ChatCommandTest.RunningCli("client", "127.0.0.1:" + port(), "--token",
                "not.a.token")) {
            assertThat(cli.awaitExit()).isEqualTo(1);
            assertThat(cli.out()).doesNotContain("connected to");
            assertThat(cli.err()).startsWith("cannot connect to 127.0.0.1:" + port()).contains("did not admit");
        }
    }
}
