package io.switchboard.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.switchboard.Commands;
import io.switchboard.client.ClientTestServer;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.RelayEndpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The {@code client} subcommand, driven through its standard input and output. */
@ClientTestServer
public class ChatCommandTest {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Autowired
    RelayEndpoint endpoint;

    int port() {
        await().until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    /** A running {@code client HOST:PORT}: its input to write to, its output to read. */
    public static final class RunningCli implements AutoCloseable {

        public final PipedOutputStream stdin = new PipedOutputStream();
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        public final CompletableFuture<Integer> exit;

        public RunningCli(String... args) throws IOException {
            PipedInputStream in = new PipedInputStream(this.stdin, 64 * 1024);
            PrintStream out = new PrintStream(this.stdout, true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(this.stderr, true, StandardCharsets.UTF_8);
            this.exit = CompletableFuture.supplyAsync(() -> Commands.run(args, in, out, err, false),
                    (r) -> Thread.ofVirtual().start(r));
        }

        public void type(String line) throws IOException {
            this.stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            this.stdin.flush();
        }

        public String out() {
            synchronized (this.stdout) {
                return this.stdout.toString(StandardCharsets.UTF_8);
            }
        }

        public String err() {
            synchronized (this.stderr) {
                return this.stderr.toString(StandardCharsets.UTF_8);
            }
        }

        public void awaitOutLine(String line) {
            await().atMost(TIMEOUT).until(() -> out().lines().anyMatch(line::equals));
        }

        public int awaitExit() throws Exception {
            return this.exit.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            this.stdin.close();
        }
    }

    @Test
    void printsItsIdSendsLinesAndPrintsWhatArrives() throws Exception {
        try (RunningCli cli = new RunningCli("client", "127.0.0.1:" + port());
                SwitchboardClient peer = SwitchboardClient.connect("127.0.0.1", port())) {
            await().atMost(TIMEOUT).until(() -> cli.out().contains(" as "));
            Matcher m = Pattern.compile("connected to 127\\.0\\.0\\.1:\\d+ as (\\d+)").matcher(cli.out());
            assertThat(m.find()).as(cli.out()).isTrue();
            long cliId = Long.parseLong(m.group(1));

            peer.send(cliId, "hello there".getBytes(StandardCharsets.UTF_8));
            cli.awaitOutLine(peer.id() + ": hello there");
            peer.send(cliId, new byte[] {(byte) 0xff, 0x00, 0x41});
            cli.awaitOutLine(peer.id() + ": [3 bytes, not UTF-8] ff0041");
            peer.send(cliId, "two\nlines".getBytes(StandardCharsets.UTF_8));
            cli.awaitOutLine(peer.id() + ": two\\nlines");

            cli.type(peer.id() + " hi, from the CLI: ünïcødé");
            assertThat(peer.receive(TIMEOUT)).isEqualTo(new Message(cliId, "hi, from the CLI: ünïcødé".getBytes(StandardCharsets.UTF_8)));
            cli.type("  " + peer.id() + "  padded ");
            assertThat(peer.receive(TIMEOUT)).isEqualTo(new Message(cliId, " padded".getBytes(StandardCharsets.UTF_8)));
            cli.type(String.valueOf(peer.id()));
            assertThat(peer.receive(TIMEOUT)).isEqualTo(new Message(cliId, new byte[0]));

            cli.type("0 anyone?");
            cli.awaitOutLine("message 4 to 0 not delivered: unknown destination");
            cli.type("hello without an id");
            cli.type("4294967296 too big");
            await().atMost(TIMEOUT).until(() -> cli.err().lines().filter((l) -> l.startsWith("not sent:")).count() == 2);
            cli.type(cliId + " to myself");
            cli.awaitOutLine(cliId + ": to myself");

            cli.close();
            assertThat(cli.awaitExit()).isZero();
            assertThat(peer.receive(Duration.ofMillis(200))).as("nothing else was sent").isNull();
        }
    }

    @Test
    void endsWithExitCodeOneWhenTheServerClosesTheConnection() throws Exception {
        try (RunningCli cli = new RunningCli("client", "127.0.0.1:" + port())) {
            await().atMost(TIMEOUT).until(() -> cli.out().contains(" as "));
            // A line over the server's max-payload-bytes: the server answers FRAME_TOO_LARGE and closes.
            cli.type("1 " + "x".repeat(ClientTestServer.MAX_PAYLOAD_BYTES + 1));
            assertThat(cli.awaitExit()).isEqualTo(1);
            assertThat(cli.out()).contains("not delivered: frame too large");
            assertThat(cli.err()).contains("connection closed by the server");
        }
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        try (RunningCli noAddress = new RunningCli("client"); RunningCli badPort = new RunningCli("client", "localhost:99999")) {
            assertThat(noAddress.awaitExit()).isEqualTo(2);
            assertThat(noAddress.err()).contains("usage: java -jar switchboard.jar client HOST:PORT");
            assertThat(badPort.awaitExit()).isEqualTo(2);
            assertThat(badPort.err()).contains("port must be a number from 1 to 65535");
        }
    }

    @Test
    void anUnreachableServerIsReported() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            int closedPort = s.getLocalPort();
            s.close();
            try (RunningCli cli = new RunningCli("client", "127.0.0.1:" + closedPort)) {
                assertThat(cli.awaitExit()).isEqualTo(1);
                assertThat(cli.err()).startsWith("cannot connect to 127.0.0.1:" + closedPort);
            }
        }
    }

    @Test
    void helpListsTheSubcommands() throws Exception {
        try (RunningCli help = new RunningCli("--help")) {
            assertThat(help.awaitExit()).isZero();
            assertThat(help.out()).contains("client HOST:PORT", "bench HOST:PORT --scenario", "runs the server");
        }
        assertThat(Commands.handles(new String[] {"client", "x:1"})).isTrue();
        assertThat(Commands.handles(new String[] {"bench"})).isTrue();
        assertThat(Commands.handles(new String[] {"--help"})).isTrue();
        assertThat(Commands.handles(new String[0])).as("no arguments: the server").isFalse();
        assertThat(Commands.handles(new String[] {"--server.port=9090"})).as("server properties").isFalse();
    }

    @Test
    void operatorMessagesAndErrorsReadAsWords() {
        assertThat(ChatCommand.format(new Message(0, "maintenance at noon".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("operator: maintenance at noon");
        assertThat(ChatCommand.format(new Message(4_294_967_295L, "\u0007bell".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("4294967295: \\u0007bell");
        assertThat(ChatCommand.format(new SendError(ErrorCode.DESTINATION_BUSY, 8, 12)))
                .isEqualTo("message 12 to 8 not delivered: destination busy");
    }
}
