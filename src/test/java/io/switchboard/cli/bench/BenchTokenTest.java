package io.switchboard.cli.bench;

import java.time.Duration;
import java.util.Map;

import com.jayway.jsonpath.DocumentContext;
import com.nimbusds.jose.JWSAlgorithm;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.client.TokenModeTestServer;
import io.switchboard.cli.bench.BenchCommandTest.Run;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.Tokens;

import static io.switchboard.cli.bench.BenchCommandTest.assertAllDelivered;
import static io.switchboard.cli.bench.BenchCommandTest.bench;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code bench --token} against the real server in token mode: scenarios {@code pairs} and
 * {@code connect} succeed with a token it admits, and fail with one it refuses or none.
 */
@TokenModeTestServer
class BenchTokenTest {

    @Autowired
    RelayEndpoint endpoint;

    int port() {
        await().atMost(Duration.ofSeconds(10)).until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    static String token(Map<String, Object> claims) {
        return Tokens.hs256(claims);
    }

    @Test
    void benchPairsWithATokenDeliversEveryMessage() {
        // The command line of the brief, plus --json to read the outcome.
        Run run = bench(port(), "--scenario", "pairs", "--clients", "4", "--duration", "1s",
                "--token", token(Map.of("sub", "bench")), "--json");
        assertAllDelivered(run);
    }

    @Test
    void benchConnectWithATokenGreetsEveryClientWithItsOwnAssignedId() {
        Run run = bench(port(), "--scenario", "connect", "--clients", "50", "-w", "10", "--duration", "100ms",
                "--token", token(Map.of()), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        DocumentContext json = run.json();
        assertThat((Boolean) json.read("$.ok")).isTrue();
        assertThat(run.number("$.greeted")).isEqualTo(50);
        assertThat(run.number("$.failed")).isZero();
        assertThat(run.number("$.bad_ids")).isZero();
    }

    /** The same run with a token this server refuses fails: the token above is what admitted them. */
    @Test
    void benchConnectWithARefusedTokenFails() {
        String foreign = Tokens.sign(Tokens.claims(Map.of()), JWSAlgorithm.HS256,
                Tokens.secretSigner("b3RoZXItc2VjcmV0LW9mLWF0LWxlYXN0LTMyLWJ5dGVzIQ=="));
        Run run = bench(port(), "--scenario", "connect", "--clients", "10", "-w", "10", "--duration", "10ms",
                "--token", foreign, "--json");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat((Boolean) run.json().read("$.ok")).isFalse();
        assertThat(run.number("$.bad_ids")).as("greeting 0: not admitted").isEqualTo(10);
    }

    @Test
    void benchPairsWithoutATokenFailsAgainstATokenModeServer() {
        Run run = bench(port(), "--scenario", "pairs", "--clients", "2", "--duration", "1s", "--json");
        assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
        assertThat(run.err()).as(run.out()).contains("did not admit");
    }
}
