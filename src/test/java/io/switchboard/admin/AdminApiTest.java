package io.switchboard.admin;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;

import static io.switchboard.admin.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin API of ADMIN-API.md against the running application: real HTTP on a random port,
 * real TCP clients on the relay. Policy {@code reject} here; {@code pause} has its own test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0",
        "switchboard.admin.password=" + AdminApiTest.PASSWORD,
        "switchboard.overflow-policy=reject",
        "switchboard.max-payload-bytes=" + AdminApiTest.MAX_PAYLOAD,
        "switchboard.max-queued-bytes=" + AdminApiTest.MAX_QUEUED,
        "switchboard.admin.send-timeout=5s" })
class AdminApiTest {

    static final String PASSWORD = "test-operator-password";
    static final int MAX_PAYLOAD = 1_048_576;
    static final int MAX_QUEUED = 1_048_576;
    /**
     * Over half of max-queued-bytes, so a queue holding one has no room for another; large, so
     * that a few fill the socket buffers of a client that does not read.
     */
    static final int CHUNK = 600_000;
    static final int SMALL_RECEIVE_BUFFER = 4096;

    @LocalServerPort
    int httpPort;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    AdminHttp admin;

    @BeforeEach
    void setUp() {
        await().until(this.endpoint::isListening);
        // Broadcasts reach every client: each test starts with none left from another.
        await().until(() -> this.registry.size() == 0);
        this.admin = AdminHttp.as(this.httpPort, "admin", PASSWORD);
    }

    TestClient connect() throws Exception {
        return TestClient.connect(this.endpoint.port());
    }

    static String path(TestClient client) {
        return "/api/clients/" + Integer.toUnsignedLong(client.id());
    }

    static long[] ids(JsonNode clients) {
        return clients.values().stream().mapToLong((client) -> client.get("id").asLong()).toArray();
    }

    // --- clients ---

    @Test
    void listsClientsByAscendingIdInPages() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                clients.add(connect());
            }
            long[] sorted = clients.stream().mapToLong((c) -> Integer.toUnsignedLong(c.id())).sorted().toArray();

            AdminHttp.Response all = this.admin.get("/api/clients");
            assertThat(all.status()).isEqualTo(200);
            assertThat(all.contentType()).startsWith("application/json");
            assertThat(ids(all.json().get("clients"))).containsExactly(sorted);
            assertThat(all.json().get("next").isNull()).isTrue();
            assertThat(all.json().properties()).extracting(Map.Entry::getKey).containsExactly("clients", "next");

            JsonNode first = this.admin.get("/api/clients?limit=2").json();
            assertThat(ids(first.get("clients"))).containsExactly(sorted[0], sorted[1]);
            assertThat(first.get("next").asLong()).isEqualTo(sorted[1]);

            JsonNode second = this.admin.get("/api/clients?limit=2&after=" + sorted[1]).json();
            assertThat(ids(second.get("clients"))).containsExactly(sorted[2], sorted[3]);
            assertThat(second.get("next").asLong()).isEqualTo(sorted[3]);

            JsonNode last = this.admin.get("/api/clients?limit=2&after=" + sorted[3]).json();
            assertThat(ids(last.get("clients"))).containsExactly(sorted[4]);
            assertThat(last.get("next").isNull()).isTrue();

            JsonNode exact = this.admin.get("/api/clients?limit=5").json();
            assertThat(ids(exact.get("clients"))).containsExactly(sorted);
            assertThat(exact.get("next").isNull()).as("no client above the page's last").isTrue();

            JsonNode beyond = this.admin.get("/api/clients?after=" + sorted[4]).json();
            assertThat(beyond.get("clients").size()).isZero();
            assertThat(beyond.get("next").isNull()).isTrue();

            assertThat(this.admin.get("/api/clients?limit=10000&after=4294967295").status()).isEqualTo(200);
        }
        finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void rejectsPagingParametersOutOfRange() {
        for (String query : List.of("limit=0", "limit=10001", "limit=-1", "limit=abc", "limit=", "limit=1.5",
                "after=-1", "after=abc", "after=4294967296", "after=+1")) {
            assertProblem(this.admin.get("/api/clients?" + query), 400);
        }
    }

    @Test
    void showsOneClient() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (TestClient client = connect()) {
            AdminHttp.Response response = this.admin.get(path(client));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.contentType()).startsWith("application/json");
            JsonNode json = response.json();
            // ADMIN-API.md's fields, no "node" on a single node; "throttled" beyond them.
            assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactly("id", "remoteAddress",
                    "connectedAt", "messagesIn", "messagesOut", "bytesIn", "bytesOut", "queuedBytes", "subject",
                    "throttled");
            assertThat(json.get("subject").isNull()).as("subject without a token or certificate").isTrue();
            assertThat(json.get("throttled").asBoolean()).isFalse();
            assertThat(json.get("id").asLong()).isEqualTo(Integer.toUnsignedLong(client.id()));
            assertThat(json.get("remoteAddress").asString()).isEqualTo("127.0.0.1:" + client.socket().getLocalPort());
            Instant connectedAt = Instant.parse(json.get("connectedAt").asString());
            assertThat(json.get("connectedAt").asString()).endsWith("Z");
            assertThat(connectedAt).isBetween(before, Instant.now());
            for (String counter : List.of("messagesIn", "messagesOut", "bytesIn", "bytesOut", "queuedBytes")) {
                assertThat(json.get(counter).asLong()).as(counter).isZero();
            }
            // Leading zeros are still decimal digits of the same value.
            assertThat(this.admin.get("/api/clients/000" + Integer.toUnsignedLong(client.id())).json().get("id").asLong())
                    .isEqualTo(Integer.toUnsignedLong(client.id()));
        }
    }

    @Test
    void mintingTokensWithoutASecretIs404() {
        assertProblem(this.admin.post("/api/tokens", "{}".getBytes(StandardCharsets.UTF_8), "application/json"), 404);
        assertThat(AdminHttp.anonymous(this.httpPort).post("/api/tokens", new byte[0], "application/json").status())
                .isEqualTo(401);
    }

    @Test
    void answersAnIdNobodyHasWith404() {
        assertProblem(this.admin.get("/api/clients/4294967295"), 404);
        assertProblem(this.admin.delete("/api/clients/4294967295"), 404);
        assertProblem(this.admin.post("/api/clients/4294967295/messages", new byte[] { 1 }, "application/octet-stream"), 404);
    }

    @Test
    void answersAnIdThatIsNotFrom1To4294967295With400() {
        for (String id : List.of("0", "4294967296", "99999999999999999999", "-1", "+1", "1.0", "1e3", "abc", "%201",
                "0x10", "%EF%BC%91", "1;x=1")) {
            assertProblem(this.admin.get("/api/clients/" + id), 400);
            assertProblem(this.admin.delete("/api/clients/" + id), 400);
            assertProblem(this.admin.post("/api/clients/" + id + "/messages", new byte[] { 1 }, "text/plain"), 400);
        }
    }

    @Test
    void answersUnknownPathsWithAProblem() {
        assertProblem(this.admin.get("/api/nothing-here"), 404);
        assertProblem(this.admin.send(this.admin.request("/api/clients").PUT(BodyPublishers.noBody())), 405);
    }

    @Test
    void disconnectEndsTheClientsConnection() throws Exception {
        try (TestClient client = connect()) {
            AdminHttp.Response response = this.admin.delete(path(client));
            assertThat(response.status()).isEqualTo(204);
            assertThat(response.raw().body()).isEmpty();
            // A clean close: the client reads end of stream, not a reset.
            assertThat(client.socket().getInputStream().read()).isEqualTo(-1);
            assertProblem(this.admin.get(path(client)), 404);
            assertProblem(this.admin.delete(path(client)), 404);
        }
    }

    // --- sending as the operator ---

    @Test
    void deliversTheBodyByteForByteFromSrc0WhateverItsContentType() throws Exception {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] text = "Grüße vom Operator ✓\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] form = "a=1&b=%20two&a=3".getBytes(StandardCharsets.US_ASCII);
        byte[] multipart = "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--b--\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] json = "{\"not\": \"parsed\"}".getBytes(StandardCharsets.UTF_8);
        try (TestClient client = connect()) {
            expectDelivered(client, this.admin.post(path(client) + "/messages", everyByte, "application/octet-stream"),
                    everyByte);
            expectDelivered(client, this.admin.post(path(client) + "/messages", text, "text/plain; charset=UTF-8"), text);
            expectDelivered(client, this.admin.post(path(client) + "/messages", form,
                    "application/x-www-form-urlencoded"), form);
            expectDelivered(client, this.admin.post(path(client) + "/messages", multipart,
                    "multipart/form-data; boundary=b"), multipart);
            expectDelivered(client, this.admin.post(path(client) + "/messages", json, "application/json"), json);
            expectDelivered(client, this.admin.post(path(client) + "/messages", new byte[0], "application/octet-stream"),
                    new byte[0]);
            // Chunked, with no declared length.
            expectDelivered(client, this.admin.post(path(client) + "/messages",
                    BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(everyByte)), "application/octet-stream"),
                    everyByte);
        }
    }

    private static void expectDelivered(TestClient client, AdminHttp.Response response, byte[] payload) throws Exception {
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.json().get("delivered").asBoolean()).isTrue();
        Message deliver = client.readDeliver();
        assertThat(deliver.src()).isZero();
        assertThat(deliver.payload()).isEqualTo(payload);
    }

    @Test
    void refusesBodiesOverMaxPayloadBytesWith413() throws Exception {
        byte[] tooLarge = new byte[MAX_PAYLOAD + 1];
        byte[] largest = new byte[MAX_PAYLOAD];
        Arrays.fill(largest, (byte) 'x');
        try (TestClient client = connect()) {
            assertProblem(this.admin.post(path(client) + "/messages", tooLarge, "application/octet-stream"), 413);
            assertProblem(this.admin.post(path(client) + "/messages",
                    BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge)), "application/octet-stream"), 413);
            assertProblem(this.admin.post("/api/broadcast", tooLarge, "text/plain"), 413);
            assertProblem(this.admin.post("/api/broadcast",
                    BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge)), "text/plain"), 413);
            // The largest allowed goes through, and is the first thing the client sees.
            expectDelivered(client, this.admin.post(path(client) + "/messages", largest, "application/octet-stream"),
                    largest);
        }
    }

    @Test
    void answers429WhenTheQueueIsFullUnderReject() throws Exception {
        try (TestClient slow = TestClient.connect(this.endpoint.port(), SMALL_RECEIVE_BUFFER)) {
            QueueFiller.fillUntilStuck(this.admin, slow, CHUNK);
            assertThat(this.admin.client(slow.id()).get("queuedBytes").asLong()).isEqualTo(CHUNK);
            assertProblem(this.admin.post(path(slow) + "/messages", new byte[CHUNK], "application/octet-stream"), 429);
            assertThat(this.admin.client(slow.id()).get("queuedBytes").asLong()).isEqualTo(CHUNK);
        }
    }

    @Test
    void answers504WhenNotWrittenWithinSendTimeout() throws Exception {
        try (TestClient slow = TestClient.connect(this.endpoint.port(), SMALL_RECEIVE_BUFFER)) {
            QueueFiller.fillUntilStuck(this.admin, slow, CHUNK);
            // Room in the queue, but the client reads nothing, so it is never written.
            assertProblem(this.admin.post(path(slow) + "/messages", new byte[] { 7 }, "application/octet-stream"), 504);
        }
    }

    @Test
    void answers410WhenTheClientDisconnectsBeforeTheMessageIsWritten() throws Exception {
        try (TestClient slow = TestClient.connect(this.endpoint.port(), SMALL_RECEIVE_BUFFER)) {
            QueueFiller.fillUntilStuck(this.admin, slow, CHUNK);
            long queued = this.admin.client(slow.id()).get("queuedBytes").asLong();
            CompletableFuture<AdminHttp.Response> pending = this.admin.postAsync(path(slow) + "/messages",
                    new byte[] { 1, 2, 3 }, "application/octet-stream");
            await().until(() -> this.admin.client(slow.id()).get("queuedBytes").asLong() == queued + 3);
            assertThat(this.admin.delete(path(slow)).status()).isEqualTo(204);
            assertProblem(pending.get(AdminHttp.TIMEOUT.toSeconds(), TimeUnit.SECONDS), 410);
        }
    }

    @Test
    void broadcastReachesEveryClient() throws Exception {
        try (TestClient a = connect(); TestClient b = connect(); TestClient c = connect()) {
            byte[] payload = "to everyone".getBytes(StandardCharsets.UTF_8);
            AdminHttp.Response response = this.admin.post("/api/broadcast", payload, "text/plain");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.contentType()).startsWith("application/json");
            assertThat(response.json().get("recipients").asInt()).isEqualTo(3);
            assertThat(response.json().properties()).extracting(Map.Entry::getKey).containsExactly("recipients");
            for (TestClient client : List.of(a, b, c)) {
                Message deliver = client.readDeliver();
                assertThat(deliver.src()).isZero();
                assertThat(deliver.payload()).isEqualTo(payload);
            }
            assertThat(this.admin.broadcast(new byte[0])).isEqualTo(3);
            for (TestClient client : List.of(a, b, c)) {
                assertThat(client.readDeliver().payload()).isEmpty();
            }
        }
    }

    @Test
    void countersMoveAsDocumented() throws Exception {
        try (TestClient a = connect(); TestClient b = connect()) {
            a.send(b.id(), "abc".getBytes(StandardCharsets.US_ASCII));
            a.send(b.id(), "hello".getBytes(StandardCharsets.US_ASCII));
            long lost = a.send(-1, "lost".getBytes(StandardCharsets.US_ASCII));
            assertThat(b.readDeliver().payload()).containsExactly('a', 'b', 'c');
            assertThat(b.readDeliver().payload()).containsExactly('h', 'e', 'l', 'l', 'o');
            assertThat(a.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 4_294_967_295L, lost));
            assertThat(this.admin.post(path(b) + "/messages", "xy".getBytes(StandardCharsets.US_ASCII), "text/plain")
                    .status()).isEqualTo(200);
            assertThat(b.readDeliver().payload()).containsExactly('x', 'y');

            // SENDs read from a, payload bytes only, the undeliverable one included; ERRORs are not DELIVERs.
            await().untilAsserted(() -> assertCounters(a, 3, 12, 0, 0));
            // DELIVERs written to b, the operator's included.
            await().untilAsserted(() -> assertCounters(b, 0, 0, 3, 10));
        }
    }

    private void assertCounters(TestClient client, long messagesIn, long bytesIn, long messagesOut, long bytesOut) {
        JsonNode json = this.admin.client(client.id());
        assertThat(json.get("messagesIn").asLong()).as("messagesIn").isEqualTo(messagesIn);
        assertThat(json.get("bytesIn").asLong()).as("bytesIn").isEqualTo(bytesIn);
        assertThat(json.get("messagesOut").asLong()).as("messagesOut").isEqualTo(messagesOut);
        assertThat(json.get("bytesOut").asLong()).as("bytesOut").isEqualTo(bytesOut);
        assertThat(json.get("queuedBytes").asLong()).as("queuedBytes").isZero();
    }

    // --- access ---

    @Test
    void apiAndActuatorNeedTheOperatorsCredentials() throws Exception {
        AdminHttp nobody = AdminHttp.anonymous(this.httpPort);
        AdminHttp wrongPassword = AdminHttp.as(this.httpPort, "admin", PASSWORD + "x");
        AdminHttp wrongUser = AdminHttp.as(this.httpPort, "operator", PASSWORD);
        try (TestClient client = connect()) {
            for (AdminHttp stranger : List.of(nobody, wrongPassword, wrongUser)) {
                for (String path : List.of("/api/clients", path(client), "/api/clients/0", "/api/nothing-here",
                        "/actuator/metrics", "/actuator/prometheus", "/actuator", "/")) {
                    AdminHttp.Response response = stranger.get(path);
                    assertProblem(response, 401);
                    assertThat(response.header("WWW-Authenticate")).startsWith("Basic realm=\"switchboard\"");
                }
                assertProblem(stranger.post(path(client) + "/messages", new byte[] { 1 }, "text/plain"), 401);
                assertProblem(stranger.post("/api/broadcast", new byte[] { 2 }, "text/plain"), 401);
                assertProblem(stranger.delete(path(client)), 401);
            }
            // Nothing happened: still connected, and the first thing it reads is what comes next.
            assertThat(this.admin.get(path(client)).status()).isEqualTo(200);
            expectDelivered(client, this.admin.post(path(client) + "/messages", new byte[] { 3 }, "text/plain"),
                    new byte[] { 3 });
        }
        AdminHttp.Response metrics = this.admin.get("/actuator/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Set-Cookie")).as("no session").isNull();
    }

    @Test
    void crossSiteWritesAreRefused() throws Exception {
        try (TestClient client = connect()) {
            assertProblem(this.admin.send(this.admin.request(path(client) + "/messages")
                    .header("Origin", "http://evil.example").POST(BodyPublishers.ofByteArray(new byte[] { 1 }))), 403);
            assertProblem(this.admin.send(this.admin.request(path(client)).header("Origin", "null").DELETE()), 403);
            // The server's own origin is fine.
            AdminHttp.Response sameOrigin = this.admin.send(this.admin.request(path(client) + "/messages")
                    .header("Origin", "http://127.0.0.1:" + this.httpPort)
                    .POST(BodyPublishers.ofByteArray(new byte[] { 2 })));
            expectDelivered(client, sameOrigin, new byte[] { 2 });
        }
    }

    // --- actuator ---

    @Test
    void healthProbesAndInfoAreOpen() {
        AdminHttp nobody = AdminHttp.anonymous(this.httpPort);
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
            AdminHttp.Response response = nobody.get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
            assertThat(response.json().get("status").asString()).as(path).isEqualTo("UP");
        }
        AdminHttp.Response info = nobody.get("/actuator/info");
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.json().get("build").get("artifact").asString()).isEqualTo("switchboard");
        assertThat(info.json().get("build").get("version").asString()).isNotBlank();

        JsonNode detailed = this.admin.get("/actuator/health/readiness").json();
        assertThat(detailed.get("components").get("relay").get("status").asString()).isEqualTo("UP");
    }

    @Test
    void prometheusShowsTheRelaysMetrics() throws Exception {
        double unknownBefore = metric("switchboard_errors_total{code=\"UNKNOWN_DESTINATION\"}");
        try (TestClient a = connect(); TestClient b = connect()) {
            a.send(b.id(), "ping".getBytes(StandardCharsets.US_ASCII));
            b.readDeliver();
            long seq = a.send(-2, new byte[0]);
            assertThat(a.readError().seq()).isEqualTo(seq);
            assertThat(metric("switchboard_errors_total{code=\"UNKNOWN_DESTINATION\"}")).isEqualTo(unknownBefore + 1);
            assertThat(metric("switchboard_clients_connected")).isEqualTo(2);
        }
        String text = this.admin.get("/actuator/prometheus").text();
        assertThat(text).contains("switchboard_messages_received_total", "switchboard_messages_delivered_total",
                "switchboard_payload_received_bytes_total", "switchboard_payload_delivered_bytes_total",
                "switchboard_queued_payload_bytes", "switchboard_evictions_total", "switchboard_connections_rejected_total",
                "switchboard_errors_total{code=\"DESTINATION_BUSY\"}");
        // Prometheus naming: the unit once, at the end.
        assertThat(text.lines().filter((line) -> line.startsWith("switchboard_")))
                .noneMatch((line) -> line.matches("^switchboard_\\w*bytes\\w*_bytes\\b.*"));
    }

    @Test
    void infoNamesTheBuildAndItsCommit() {
        JsonNode info = AdminHttp.anonymous(this.httpPort).get("/actuator/info").json();
        assertThat(info.get("build").get("version").asString()).isNotBlank();
        assertThat(info.get("git").get("commit").get("id").asString()).isNotBlank();
    }

    private double metric(String series) {
        AdminHttp.Response response = this.admin.get("/actuator/prometheus");
        assertThat(response.status()).isEqualTo(200);
        return response.text().lines()
                .filter((line) -> line.startsWith(series + " "))
                .mapToDouble((line) -> Double.parseDouble(line.substring(series.length() + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(series + " not in " + response.text()));
    }
}
