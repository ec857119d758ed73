package io.switchboard.cli.bench;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.client.ClientTestServer;
import io.switchboard.Commands;
import io.switchboard.relay.RelayEndpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each scenario of {@code bench} for a second or two at small scale, against the real server,
 * with an outcome known in advance; and against a wrong relay, which must fail it.
 */
@ClientTestServer
public class BenchCommandTest {

    @Autowired
    RelayEndpoint endpoint;

    public record Run(int exitCode, String out, String err) {

        public DocumentContext json() {
            assertThat(this.out.lines().count()).as("one JSON line: %s", this.out).isEqualTo(1);
            return JsonPath.parse(this.out);
        }

        public long number(String path) {
            return ((Number) json().read(path)).longValue();
        }
    }

    public static Run bench(int port, String... options) {
        List<String> args = new ArrayList<>(List.of("bench", "127.0.0.1:" + port));
        args.addAll(List.of(options));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Commands.run(args.toArray(String[]::new), InputStream.nullInputStream(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    int port() {
        await().until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    /** Every message a sender wrote arrived: as many deliveries as sends, nothing else wrong. */
    public static void assertAllDelivered(Run run) {
        assertThat(run.exitCode()).as(run.err()).isZero();
        DocumentContext json = run.json();
        assertThat((Boolean) json.read("$.ok")).isTrue();
        assertThat(run.number("$.sent")).isPositive();
        assertThat(run.number("$.delivered_all")).as(run.out()).isEqualTo(run.number("$.sent"));
        assertThat(run.number("$.delivered")).isPositive().isLessThanOrEqualTo(run.number("$.sent"));
        assertThat(run.number("$.lost")).isZero();
        assertThat(run.number("$.order_violations")).isZero();
        assertThat(run.number("$.corrupt")).isZero();
        assertThat(run.number("$.misrouted")).isZero();
        assertThat(run.number("$.conn_errors")).isZero();
        assertThat((Map<?, ?>) json.read("$.errors")).isEmpty();
        assertThat(((Number) json.read("$.msgs_per_s")).doubleValue()).isPositive();
    }

    @Test
    void pairsDeliversAsManyMessagesAsWereSent() {
        Run run = bench(port(), "--scenario", "pairs", "-c", "4", "-m", "100", "-w", "16", "-d", "1s", "--warmup", "200ms", "--json");
        assertAllDelivered(run);
        assertThat((String) run.json().read("$.scenario")).isEqualTo("pairs");
        assertThat(run.number("$.window")).isEqualTo(16);
        assertThat(run.err()).contains("OK: every message delivered");
    }

    @Test
    void latencyReportsPercentilesOfEveryMessageInTheWindow() {
        Run run = bench(port(), "--scenario", "latency", "-c", "4", "-r", "2000", "-d", "1s", "--warmup", "200ms", "--json");
        assertAllDelivered(run);
        DocumentContext json = run.json();
        double p50 = ((Number) json.read("$.lat_us.p50")).doubleValue();
        double p99 = ((Number) json.read("$.lat_us.p99")).doubleValue();
        double p999 = ((Number) json.read("$.lat_us.p999")).doubleValue();
        double max = ((Number) json.read("$.lat_us.max")).doubleValue();
        assertThat(p50).isPositive();
        assertThat(p99).isGreaterThanOrEqualTo(p50);
        assertThat(p999).isGreaterThanOrEqualTo(p99);
        assertThat(max).isGreaterThanOrEqualTo(p999);
        // One sample per message sent within the measured window, each delivered.
        assertThat(run.number("$.lat_us.n")).isPositive().isLessThanOrEqualTo(run.number("$.delivered_all"));
        assertThat(run.number("$.rate")).isEqualTo(2000);
    }

    @Test
    void faninDeliversEverySenderToTheOneReceiver() {
        Run run = bench(port(), "--scenario", "fanin", "-c", "5", "-w", "8", "-d", "1s", "--warmup", "200ms", "--json");
        assertAllDelivered(run);
    }

    @Test
    void slowUnderPolicyRejectAnswersTheFloodersBusyAndLosesNothing() {
        // Policy reject (see ClientTestServer): once the never-reading client's queue is full, the
        // flooders get BUSY. They then send as fast as this machine allows, so on 2 cores the pairs'
        // senders may fall behind and catch up in bursts that a 64 KiB queue rejects too: whatever
        // is not delivered must be answered.
        Run run = bench(port(), "--scenario", "slow", "-c", "4", "-k", "2", "-m", "64", "-r", "1000", "-d", "2s",
                "--warmup", "200ms", "--json");
        assertThat(run.exitCode()).as(run.out()).isZero();
        DocumentContext json = run.json();
        assertThat(run.number("$.sent")).isPositive();
        assertThat(run.number("$.lost")).isZero();
        assertThat(run.number("$.order_violations")).isZero();
        assertThat(run.number("$.corrupt")).isZero();
        assertThat(run.number("$.slow.flood_sent")).isPositive();
        assertThat(run.number("$.slow.flood_errors.destination_busy")).isPositive();
        assertThat((Boolean) json.read("$.slow.slow_client_disconnected")).isFalse();
    }

    @Test
    void summaryAndProgressForAPerson() {
        Run run = bench(port(), "--scenario", "pairs", "-c", "2", "-w", "4", "-d", "1500ms", "--warmup", "100ms", "--progress");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("pairs against 127.0.0.1:", "msgs/s", "MB/s", "lost 0", "OK:");
        assertThat(run.err()).containsPattern("\\[  1s\\] pairs: [\\d,]+ msgs/s");
    }

    @Test
    void badOptionsAreUsageErrors() {
        Run noScenario = bench(port());
        assertThat(noScenario.exitCode()).isEqualTo(2);
        assertThat(noScenario.err()).contains("--scenario is missing");
        Run odd = bench(port(), "--scenario", "pairs", "-c", "3");
        assertThat(odd.exitCode()).isEqualTo(2);
        assertThat(odd.err()).contains("--clients must be even");
        Run unknown = bench(port(), "--scenario", "everything");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown scenario 'everything'");
        Run tooSmall = bench(port(), "--scenario", "pairs", "-m", "8");
        assertThat(tooSmall.exitCode()).isEqualTo(2);
        assertThat(tooSmall.err()).contains("--size must be at least 16");
    }

    @Test
    void connectGreetsEveryClientWithItsOwnId() {
        Run run = bench(port(), "--scenario", "connect", "-c", "300", "-w", "50", "-d", "100ms", "--server-pid",
                Long.toString(ProcessHandle.current().pid()), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat((Boolean) run.json().read("$.ok")).isTrue();
        assertThat(run.number("$.greeted")).isEqualTo(300);
        assertThat(run.number("$.failed")).isZero();
        assertThat(run.number("$.bad_ids")).isZero();
        assertThat(((Number) run.json().read("$.connects_per_s")).doubleValue()).isPositive();
        assertThat(run.number("$.server_rss_kb_after")).isPositive();
        assertThat(run.err()).contains("OK: every connection greeted with its own ID");
    }

    @ParameterizedTest
    @CsvSource({ "SAME_ID, bad_ids, 29", "NO_GREETING, failed, 30" })
    void connectFailsAServerThatGreetsWrongly(FaultyRelay.Fault fault, String counter, long expected) throws Exception {
        try (FaultyRelay relay = new FaultyRelay(fault)) {
            Run run = bench(relay.port(), "--scenario", "connect", "-c", "30", "-d", "10ms", "--json");
            assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
            assertThat((Boolean) run.json().read("$.ok")).isFalse();
            assertThat(run.number("$." + counter)).isEqualTo(expected);
            assertThat(run.err()).contains("FAILED");
        }
    }

    @ParameterizedTest
    @CsvSource({ "DROP, lost", "CORRUPT, corrupt", "DUPLICATE, order_violations" })
    void aFastWrongServerFailsIt(FaultyRelay.Fault fault, String counter) throws Exception {
        try (FaultyRelay relay = new FaultyRelay(fault)) {
            Run run = bench(relay.port(), "--scenario", "pairs", "-c", "4", "-w", "16", "-d", "1s", "--warmup", "100ms",
                    "--drain", "1s", "--json");
            assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
            assertThat((Boolean) run.json().read("$.ok")).isFalse();
            assertThat(run.number("$." + counter)).isPositive();
            assertThat(run.err()).contains("FAILED");
        }
    }
}
