package io.switchboard.cli.bench;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.relay.RelayEndpoint;

import static io.switchboard.cli.bench.BenchCommandTest.assertAllDelivered;
import static io.switchboard.cli.bench.BenchCommandTest.bench;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario {@code slow} against the server with its default settings (policy pause, as
 * RelaySmokeTest starts it, so the context is shared): the flooders are held up by TCP, the
 * pairs keep flowing, and nobody gets an ERROR.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class BenchSlowConsumerTest {

    @Autowired
    RelayEndpoint endpoint;

    @Test
    void slowUnderPolicyPauseDeliversEveryPairMessageAndHoldsTheFloodersBack() {
        await().until(this.endpoint::isListening);
        BenchCommandTest.Run run = bench(this.endpoint.port(), "--scenario", "slow", "-c", "4", "-k", "2", "-r", "1000",
                "-d", "2s", "--warmup", "200ms", "--json");
        assertAllDelivered(run);
        assertThat(run.number("$.slow.flood_sent")).isPositive();
        assertThat((java.util.Map<?, ?>) run.json().read("$.slow.flood_errors")).isEmpty();
        // It was sent what its queue and socket buffers hold, and is still connected (30 s timeout).
        assertThat(run.number("$.slow.slow_bytes_read_after")).isPositive();
        assertThat((Boolean) run.json().read("$.slow.slow_client_disconnected")).isFalse();
    }
}
