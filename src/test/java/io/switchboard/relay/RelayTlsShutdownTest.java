package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;
import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
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

    /** A relay on TLS with the bundle {@code relay}, a grace of {@link #GRACE} and room for 16 MB a client, plus {@code settings}. */
    private static ConfigurableApplicationContext start(TlsFixture tls, Map<String, Object> settings) {
        Map<String, Object> properties = new TreeMap<>(Map.of("server.port", "0", "switchboard.tcp.port", "0",
                "switchboard.tcp.ssl.bundle", "relay", "switchboard.shutdown-grace", GRACE.toSeconds() + "s",
                "switchboard.max-queued-bytes", "16MB"));
        properties.putAll(settings);
        properties.putAll(tls.bundleProperties("relay", false));
        return new SpringApplicationBuilder(SwitchboardApplication.class).properties(properties).run();
    }

    @Test
    void queuesOfTls12AndTls13ClientsAreWrittenBeforeTheyAreClosed() throws Exception {
        try (TlsFixture tls = TlsFixture.create()) {
            ConfigurableApplicationContext context = start(tls, Map.of("switchboard.slow-consumer-timeout", "120s"));
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

    /**
     * As RelayShutdownOutcomeTest's client that sends after its reading stopped, under TLS 1.2
     * and 1.3: ERRORs wait for each client in the server's queue and socket when it sends more,
     * unread; then it reads one outcome for each SEND the server read, then the end of the stream.
     */
    @Test
    void tlsClientsThatSendAfterReadingStoppedReadEveryOutcomeThenTheEnd() throws Exception {
        try (TlsFixture tls = TlsFixture.create()) {
            ConfigurableApplicationContext context = start(tls, Map.of());
            List<TestClient> clients = new ArrayList<>();
            try {
                RelayEndpoint endpoint = context.getBean(RelayEndpoint.class);
                ClientRegistry registry = context.getBean(ClientRegistry.class);
                await().atMost(PATIENCE).until(endpoint::isListening);
                int port = endpoint.port();
                for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                    clients.add(TestClient.over(TlsSockets.connect(port, tls.client(null), 4096, protocol)));
                }
                OutcomeLedger ledger = new OutcomeLedger();
                // As many ERRORs each as the plain test: more than the sockets hold.
                int sends = 400_000;
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (TestClient client : clients) {
                    writes.add(RelayShutdownOutcomeTest.writeInBackground(client,
                            RelayShutdownOutcomeTest.sendsToNobody(ledger, client, sends)));
                }
                for (CompletableFuture<Void> write : writes) {
                    write.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                }
                List<ClientSession> sessions = clients.stream().map(client -> registry.get(client.id())).toList();
                await().atMost(PATIENCE).until(() -> sessions.stream().allMatch(session -> {
                    long since = session.queue().stalledSinceNanos();
                    return session.messagesIn() == sends && since != 0 && System.nanoTime() - since > 300_000_000L;
                }));

                long start = System.nanoTime();
                Thread closer = Thread.ofVirtual().name("context-close").start(context::close);
                await().atMost(GRACE.dividedBy(2)).until(() -> sessions.stream().allMatch(ClientSession::finished));
                List<CompletableFuture<String>> ends = new ArrayList<>();
                for (TestClient client : clients) {
                    RelayShutdownOutcomeTest.writeInBackground(client,
                            RelayShutdownOutcomeTest.sendsToNobody(ledger, client, 1000)).get(PATIENCE.toMillis(),
                                    TimeUnit.MILLISECONDS);
                    CompletableFuture<String> end = new CompletableFuture<>();
                    Thread.ofVirtual().name("reader-" + client.id()).start(() -> {
                        try {
                            end.complete(RelayShutdownOutcomeTest.readToTheEnd(ledger, client));
                            client.close();
                        }
                        catch (Throwable ex) {
                            end.completeExceptionally(ex);
                        }
                    });
                    ends.add(end);
                }
                List<String> howEachEnded = new ArrayList<>();
                for (CompletableFuture<String> end : ends) {
                    howEachEnded.add(end.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
                }
                assertThat(closer.join(PATIENCE)).isTrue();
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                System.out.println("Shutdown with TLS 1.2 and 1.3 clients that send after their reading stopped, in "
                        + took.toMillis() + " ms: " + ledger.tally() + ", then " + howEachEnded);
                assertThat(ledger.problemsAllowingUnreadEnds()).isEmpty();
                assertThat(ledger.tally())
                        .containsExactly(Map.entry(ErrorCode.UNKNOWN_DESTINATION.name(), clients.size() * sends));
                assertThat(howEachEnded).containsOnly(RelayShutdownOutcomeTest.END_OF_STREAM);
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
