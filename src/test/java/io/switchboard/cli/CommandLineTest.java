package io.switchboard.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.switchboard.Commands;
import io.switchboard.client.Durations;
import io.switchboard.client.SwitchboardClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command line never starts a server by accident, and says what went wrong in a line:
 * {@code --version}, unknown subcommands, option errors, unknown hosts, durations as people
 * write them. None of these needs a server: they run as {@code main} runs them, without Spring.
 */
class CommandLineTest {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Commands.run(args, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void onlySettingsStartTheServer() {
        assertThat(Commands.startsServer(new String[0])).isTrue();
        assertThat(Commands.startsServer(new String[] { "--switchboard.tcp.port=7071", "--server.port=8081" })).isTrue();
        assertThat(Commands.startsServer(new String[] { "--version" })).isFalse();
        assertThat(Commands.startsServer(new String[] { "clinet", "127.0.0.1:7070" })).isFalse();
        assertThat(Commands.startsServer(new String[] { "--server.port=8081", "8082" })).isFalse();
        assertThat(Commands.startsServer(new String[] { "-Dserver.port=8081" })).isFalse();
    }

    @Test
    void versionNamesTheBuildAndItsCommit() throws IOException {
        Properties git = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("git.properties")) {
            assertThat(in).as("git.properties from the build").isNotNull();
            git.load(in);
        }
        Run run = run("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("switchboard 0.")
                .contains("commit " + git.getProperty("git.commit.id.abbrev"));
        assertThat(run.out().lines()).hasSize(1);
    }

    @Test
    void anUnknownSubcommandIsRefusedInTwoLines() {
        Run run = run("clinet", "127.0.0.1:7070");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).hasSize(2);
        assertThat(run.err()).startsWith("unknown command 'clinet'; did you mean 'client'").contains("usage: ");
    }

    @Test
    void somethingAmongServerSettingsThatIsNotOneIsRefused() {
        Run run = run("--switchboard.tcp.port", "7071");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("'7071' is not a server setting: settings are --name=value");
        assertThat(run.err().lines()).hasSize(2);
    }

    @Test
    void anOptionErrorPrintsTheErrorAndOneLineOfUsage() {
        Run odd = run("bench", "127.0.0.1:7070", "--scenario", "pairs", "-c", "3");
        assertThat(odd.exitCode()).isEqualTo(2);
        assertThat(odd.err().lines()).containsExactly("bench: --clients must be even and at least 2 for pairs",
                "usage: java -jar switchboard.jar bench HOST:PORT --scenario S [options]");
        Run typo = run("bench", "127.0.0.1:7070", "--scenaro", "pairs");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err().lines()).hasSize(2);
        assertThat(typo.err()).contains("did you mean '--scenario'?");
        Run noAddress = run("client");
        assertThat(noAddress.exitCode()).isEqualTo(2);
        assertThat(noAddress.err().lines()).hasSize(2).last().isEqualTo("usage: java -jar switchboard.jar client HOST:PORT [--token JWT]");
    }

    @Test
    void anUnknownHostIsCalledThat() {
        Run client = run("client", "no-such-host.invalid:7070");
        assertThat(client.exitCode()).isEqualTo(1);
        assertThat(client.err()).isEqualTo("cannot connect to no-such-host.invalid:7070: unknown host 'no-such-host.invalid'"
                + System.lineSeparator());
        Run bench = run("bench", "no-such-host.invalid:7070", "--scenario", "pairs", "-c", "2", "-d", "1s");
        assertThat(bench.exitCode()).isEqualTo(1);
        assertThat(bench.err()).contains("unknown host 'no-such-host.invalid'");
    }

    @Test
    void durationsReadAndPrintAsPeopleWriteThem() throws IOException {
        assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10s");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        try (ServerSocket silent = new ServerSocket()) {
            // Takes the connection (the kernel does) and never greets.
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            assertThatThrownBy(() -> SwitchboardClient.builder("127.0.0.1", silent.getLocalPort())
                    .connectTimeout(Duration.ofMillis(300)).connect())
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no ID from 127.0.0.1:" + silent.getLocalPort() + " within 300ms");
        }
    }
}
