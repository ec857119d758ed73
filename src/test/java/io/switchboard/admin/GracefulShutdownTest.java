package io.switchboard.admin;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Shutdown as Kubernetes does it (the context closing, as on SIGTERM), on a context of its own:
 * readiness goes OUT_OF_SERVICE while the listener still accepts, then the listener stops,
 * queued messages are flushed to clients that read, and the connections close, those that
 * could not be flushed once shutdown-grace has passed.
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownTest {

    /** Configured, so never to be logged. */
    static final String PASSWORD = "configured-secret-7f3a9c";
    static final int MESSAGES = 400;
    static final int SIZE = 32 * 1024;
    static final Duration GRACE = Duration.ofSeconds(8);

    @Test
    void readinessFallsFirstThenQueuesFlushThenConnectionsClose(CapturedOutput output) throws Exception {
        RefusalProbe probe = new RefusalProbe();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties("server.port=0", "switchboard.tcp.port=0", "switchboard.admin.username=ops",
                        "switchboard.admin.password=" + PASSWORD, "switchboard.overflow-policy=reject",
                        "switchboard.max-queued-bytes=1048576", "switchboard.slow-consumer-timeout=120s",
                        "switchboard.shutdown-grace=" + GRACE.toSeconds() + "s")
                .listeners(probe)
                .run();
        Thread closer = null;
        List<TestClient> clients = new ArrayList<>();
        try {
            RelayEndpoint endpoint = context.getBean(RelayEndpoint.class);
            await().until(endpoint::isListening);
            int tcpPort = endpoint.port();
            int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            AdminHttp admin = AdminHttp.as(httpPort, "ops", PASSWORD);
            AdminHttp anyone = AdminHttp.anonymous(httpPort);

            // stuck: never reads, so its queue cannot be flushed.
            TestClient stuck = track(clients, TestClient.connect(tcpPort, 4096));
            QueueFiller.fillUntilStuck(admin, stuck, 600_000);
            // late: reads only once shutdown has begun; sender: sends to it and reads its ERRORs.
            TestClient late = track(clients, TestClient.connect(tcpPort, 4096));
            TestClient sender = track(clients, TestClient.connect(tcpPort));
            Set<Long> busy = sendUntilFull(sender, late);
            assertThat(busy).as("late's queue filled up").isNotEmpty();
            assertThat(admin.client(late.id()).get("queuedBytes").asLong()).isPositive();

            closer = Thread.ofVirtual().name("context-close").start(context::close);

            // Draining: readiness falls first, while the relay still accepted.
            await().atMost(Duration.ofSeconds(5)).until(() -> anyone.get("/actuator/health/readiness").status() == 503);
            assertThat(probe.acceptingWhenRefusing).as("the listener still accepted when readiness fell").isTrue();

            // Everything taken for late is written to it, in order, then its connection ends.
            List<Long> delivered = readUntilEnd(late, sender.id());
            assertThat(delivered).isSorted().doesNotHaveDuplicates();
            assertThat(delivered).doesNotContainAnyElementsOf(busy);
            Set<Long> outcomes = new TreeSet<>(delivered);
            outcomes.addAll(busy);
            assertThat(outcomes).as("exactly one outcome per SEND")
                    .isEqualTo(LongStream.rangeClosed(1, MESSAGES).boxed().collect(Collectors.toSet()));

            // stuck still holds the drain: not ready, still alive, the relay out of service,
            // no new connections, the API still answering.
            assertThat(anyone.get("/actuator/health/readiness").json().get("status").asString())
                    .isEqualTo("OUT_OF_SERVICE");
            assertThat(anyone.get("/actuator/health/liveness").status()).isEqualTo(200);
            AdminHttp.Response health = anyone.get("/actuator/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("status").asString()).isEqualTo("OUT_OF_SERVICE");
            assertThat(admin.get("/actuator/health").json().get("components").get("relay").get("status").asString())
                    .isEqualTo("OUT_OF_SERVICE");
            assertThat(endpoint.isAccepting()).isFalse();
            assertThat(newConnectionGetsNoId(tcpPort)).isTrue();
            assertThat(admin.get("/api/clients/" + Integer.toUnsignedLong(stuck.id())).status()).isEqualTo(200);

            // The sender had nothing queued, so it is closed at once.
            assertThat(sender.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();

            // stuck, still reading nothing, holds the drain until the grace is over, then is closed.
            assertThat(closer.join(GRACE.plusSeconds(30))).isTrue();
            assertThat(context.isActive()).isFalse();
            assertThat(output.getOut()).containsPattern("Relay shut down in \\d+ ms: closed 1 clients whose queues had not flushed");
            assertThat(stuck.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
            assertThat(output.getAll()).doesNotContain(PASSWORD).doesNotContain("Generated operator password");
        }
        finally {
            for (TestClient client : clients) {
                client.close();
            }
            if (closer == null) {
                context.close();
            }
            else {
                closer.join(Duration.ofSeconds(60));
            }
        }
    }

    private static TestClient track(List<TestClient> clients, TestClient client) {
        clients.add(client);
        return client;
    }

    /**
     * Sends MESSAGES messages, each carrying its seq, to {@code to}, which does not read; then
     * one to itself, which it reads after every ERROR about the others.
     * @return the seqs refused as DESTINATION_BUSY
     */
    private static Set<Long> sendUntilFull(TestClient from, TestClient to) throws IOException {
        for (int i = 1; i <= MESSAGES; i++) {
            byte[] payload = new byte[SIZE];
            Wire.putLong(payload, 0, from.sent() + 1);
            from.send(to.id(), payload);
        }
        byte[] marker = "marker".getBytes(StandardCharsets.US_ASCII);
        from.send(from.id(), marker);
        Set<Long> busy = new TreeSet<>();
        while (true) {
            Incoming frame = from.read();
            if (frame instanceof SendError error) {
                assertThat(error.code()).isEqualTo(ErrorCode.DESTINATION_BUSY);
                busy.add(error.seq());
            }
            else {
                assertThat(((Message) frame).payload()).isEqualTo(marker);
                return busy;
            }
        }
    }

    /** Reads DELIVERs to the end of the stream: the seqs they carry. */
    private static List<Long> readUntilEnd(TestClient client, int src) throws IOException {
        List<Long> seqs = new ArrayList<>();
        while (true) {
            Incoming frame;
            try {
                frame = client.read();
            }
            catch (EOFException ex) {
                return seqs;
            }
            Message deliver = (Message) frame;
            assertThat(deliver.src()).isEqualTo(src);
            assertThat(deliver.payload()).hasSize(SIZE);
            seqs.add(Wire.getLong(deliver.payload(), 0));
        }
    }

    /** A connection now is refused (ConnectException), reset, or closed without an ID. */
    private static boolean newConnectionGetsNoId(int port) throws IOException {
        try (TestClient client = TestClient.connectWithoutGreeting(port)) {
            return client.socket().getInputStream().read() == -1;
        }
        catch (SocketException ex) {
            return true;
        }
    }

    /** Whether the relay still accepted connections at the moment readiness became REFUSING_TRAFFIC. */
    static final class RefusalProbe implements ApplicationListener<AvailabilityChangeEvent<?>> {

        volatile Boolean acceptingWhenRefusing;

        @Override
        public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
            if (event.getState() == ReadinessState.REFUSING_TRAFFIC && event.getSource() instanceof ApplicationContext context) {
                this.acceptingWhenRefusing = context.getBean(RelayEndpoint.class).isAccepting();
            }
        }
    }
}
