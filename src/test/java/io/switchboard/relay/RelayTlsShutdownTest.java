package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful shutdown with TLS clients: reading stops without ending their sessions, so what is
 * queued for them is written before they are closed, under TLS 1.3 and under TLS 1.2 too (which
 * has no half-close, so that an end of the client's stream would have closed the whole session).
 */
class RelayTlsShutdownTest {

    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Enough that the kernel's buffers (megabytes on loopback) cannot take them all: the rest waits in queues. */
    private static final int MESSAGES = 2000;
    private static final int SIZE = 8192;

    @Test
    void queuesOfTls12AndTls13ClientsAreWrittenBeforeTheyAreClosed() throws Exception {
        try (TlsFixture tls = TlsFixture.create()) {
            Map<String, Object> properties = new TreeMap<>(Map.of("server.port", "0", "switchboard.tcp.port", "0",
                    "switchboard.tcp.ssl.bundle", "relay", "switchboard.shutdown-grace", GRACE.toSeconds() + "s",
                    "switchboard.slow-consumer-timeout", "120s", "switchboard.max-queued-bytes", "16MB"));
            properties.putAll(tls.bundleProperties("relay", false));
            ConfigurableApplicationContext context = new SpringApplicationBuilder(SwitchboardApplication.class)
                    .properties(properties).run();
            List<TestClient> clients = new ArrayList<>();
            try {
                RelayEndpoint endpoint = context.getBean(RelayEndpoint.class);
                ClientRegistry registry = context.getBean(ClientRegistry.class);
                await().atMost(PATIENCE).until(endpoint::isListening);
                int port = endpoint.port();
                TestClient sender = TlsSockets.client(port, tls.client(null));
                TestClient tls12 = TestClient.over(TlsSockets.connect(port, tls.client(null), 4096, "TLSv1.2"));
                TestClient tls13 = TestClient.over(TlsSockets.connect(port, tls.client(null), 4096, "TLSv1.3"));
                clients.addAll(List.of(sender, tls12, tls13));
                OutcomeLedger ledger = new OutcomeLedger();
                FrameCollector senderFrames = FrameCollector.start(sender, PATIENCE, frame -> {
                    if (frame instanceof SendError error) {
                        ledger.failed(sender.id(), error);
                    }
                });
                // Neither receiver reads yet: their messages wait in the server's queues.
                for (int seq = 1; seq <= MESSAGES; seq++) {
                    TestClient dest = (seq % 2 == 0) ? tls12 : tls13;
                    ledger.sent(sender.id(), seq, dest.id());
                    sender.send(dest.id(), TaggedPayload.of(sender.id(), seq, SIZE));
                }
                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(registry.get(sender.id()).messagesIn()).isEqualTo(MESSAGES);
                    assertThat(registry.get(tls12.id()).queuedBytes()).isPositive();
                    assertThat(registry.get(tls13.id()).queuedBytes()).isPositive();
                });

                long start = System.nanoTime();
                Thread closer = Thread.ofVirtual().name("context-close").start(context::close);
                await().atMost(PATIENCE).until(() -> !endpoint.isAccepting());
                for (TestClient receiver : List.of(tls12, tls13)) {
                    for (Incoming frame : receiver.readUntilClosed()) {
                        ledger.delivered(receiver.id(), (Message) frame);
                    }
                }
                senderFrames.awaitEnd(PATIENCE);
                assertThat(closer.join(PATIENCE)).isTrue();
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                System.out.println("Shutdown with TLS 1.2 and 1.3 clients: " + ledger.tally() + " in " + took.toMillis()
                        + " ms");
                assertThat(ledger.problems()).isEmpty();
                assertThat(ledger.tally()).containsOnlyKeys("DELIVER").containsEntry("DELIVER", MESSAGES);
                assertThat(senderFrames.isClosedByServer()).isTrue();
                // Each closed once its queue was written, not when the grace ran out.
                assertThat(took).isLessThan(GRACE);
            }
            finally {
                for (TestClient client : clients) {
                    client.close();
                }
                context.close();
            }
        }
    }
}
