package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.admin.AdminHttp;
import io.switchboard.admin.ConsoleBrowser;
import io.switchboard.admin.QueueFiller;
import io.switchboard.client.Message;
import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeState;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.support.TestClient;

import static io.switchboard.admin.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin API of ADMIN-API.md across three nodes, over real HTTP to node A: A lists, shows,
 * messages, disconnects and broadcasts to the clients of every node, with the outcome the
 * client's own node reports. Policy {@code reject}, so that a full remote queue answers 429.
 */
class ClusterAdminApiTest {

    static final String PASSWORD = "cluster-operator-password";
    static final int MAX_QUEUED = 1_048_576;
    /**
     * Over half of max-queued-bytes, so a queue holding one has no room for another; large, so
     * that a few fill the socket buffers of a client that does not read.
     */
    static final int CHUNK = 600_000;
    static final int SMALL_RECEIVE_BUFFER = 4096;

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.threeNodes("admin:", "switchboard.admin.password=" + PASSWORD,
            "switchboard.overflow-policy=reject", "switchboard.max-queued-bytes=" + MAX_QUEUED,
            "switchboard.admin.send-timeout=3s",
            // A stuck client stays connected for as long as a test needs it.
            "switchboard.slow-consumer-timeout=5m");
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;
    static ConfigurableApplicationContext c;

    AdminHttp admin;

    @BeforeAll
    static void started() {
        a = nodes.a();
        b = nodes.b();
        c = nodes.c();
    }

    @BeforeEach
    void setUp() {
        // Lists and broadcasts cover every client: each test starts with none left from another.
        await().until(() -> List.of(a, b, c).stream().allMatch(node -> node.getBean(ClientRegistry.class).size() == 0));
        this.admin = AdminHttp.as(a.getEnvironment().getRequiredProperty("local.server.port", Integer.class), "admin",
                PASSWORD);
    }

    static TestClient connect(ConfigurableApplicationContext node) throws Exception {
        return TestClient.connect(ClusterNodes.tcpPort(node));
    }

    static String path(TestClient client) {
        return "/api/clients/" + Integer.toUnsignedLong(client.id());
    }

    static List<String> idsAndNodes(JsonNode page) {
        return page.get("clients").values().stream()
                .map(client -> client.get("id").asLong() + "@" + client.get("node").asString())
                .toList();
    }

    static String idAndNode(TestClient client, String node) {
        return Integer.toUnsignedLong(client.id()) + "@" + node;
    }

    /** The operator console (/console/) is over the same services: in cluster mode, every node's clients. */
    @Test
    void theConsoleShowsEveryNodesClientsWithTheirNodeAndSendsToAnotherNodesClient() throws Exception {
        try (TestClient onB = connect(b); TestClient onC = connect(c)) {
            String list = this.admin.get("/console/clients").text();
            assertThat(list).contains("<th scope=\"col\">Node</th>")
                    .contains("id=\"client-" + Integer.toUnsignedLong(onB.id()) + "\"")
                    .contains("id=\"client-" + Integer.toUnsignedLong(onC.id()) + "\"")
                    .contains("<td>node-b</td>").contains("<td>node-c</td>");
            assertThat(this.admin.get("/console/clients?q=" + Integer.toUnsignedLong(onC.id())).text())
                    .contains("<td>node-c</td>").doesNotContain("<td>node-b</td>");
            assertThat(this.admin.get("/console/").text()).contains("Cluster mode: 3 nodes live; this node is joined");
            // Every node's numbers, as each answered: asked in the background, so there after a moment.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.admin.get("/console/").text())
                    .contains("<tr id=\"node-node-a\"><th scope=\"row\">node-a</th><td>this node</td>")
                    .contains("<tr id=\"node-node-b\"><th scope=\"row\">node-b</th><td>live</td><td>1</td>")
                    .contains("<tr id=\"node-node-c\"><th scope=\"row\">node-c</th><td>live</td><td>1</td>"));
            byte[] form = "body=to+node+c".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            AdminHttp.Response sent = this.admin.post("/console/clients/" + Integer.toUnsignedLong(onC.id()) + "/messages",
                    form, "application/x-www-form-urlencoded");
            assertThat(sent.text()).contains("200 delivered");
            assertThat(onC.readDeliver().payload()).isEqualTo("to node c".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /**
     * The overview's node tables on node A: node B's counts since it started and its state, as
     * node B answered, after its clients exchange messages and one gets an ERROR.
     */
    @Test
    void theConsoleShowsAnotherNodesCountsAndStateAsThatNodeAnswered() throws Exception {
        NodeLoad before = loadOf("node-b");
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        try (TestClient one = connect(b); TestClient two = connect(b)) {
            for (int i = 0; i < 5; i++) {
                one.send(two.id(), hello);
            }
            for (int i = 0; i < 5; i++) {
                assertThat(two.readDeliver().payload()).isEqualTo(hello);
            }
            one.send((int) 4_000_000_000L, new byte[] { 1 });
            assertThat(one.readError().code()).isEqualTo(ErrorCode.UNKNOWN_DESTINATION);
        }
        // What node B answers: 6 SENDs of 26 bytes read, 5 DELIVERs of 25 written, one more ERROR.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            NodeLoad after = loadOf("node-b");
            assertThat(after.messagesReceived()).isEqualTo(before.messagesReceived() + 6);
            assertThat(after.messagesDelivered()).isEqualTo(before.messagesDelivered() + 5);
            assertThat(after.payloadReceived()).isEqualTo(before.payloadReceived() + 26);
            assertThat(after.payloadDelivered()).isEqualTo(before.payloadDelivered() + 25);
            assertThat(after.state()).isEqualTo(NodeState.READY);
        });
        long unknown = before.errors().getOrDefault("UNKNOWN_DESTINATION", 0L) + 1;
        long errors = before.errors().values().stream().mapToLong(Long::longValue).sum() + 1;
        // As node A's console shows it: asked in the background, so there after a moment.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String page = this.admin.get("/console/").text();
            assertThat(row(page, "node-node-a")).startsWith("<th scope=\"row\">node-a</th><td>this node</td>")
                    .endsWith("<td>ready</td>");
            assertThat(row(page, "node-node-b")).startsWith("<th scope=\"row\">node-b</th><td>live</td>")
                    .endsWith("<td>ready</td>");
            assertThat(row(page, "started-node-b")).startsWith("<th scope=\"row\">node-b</th><td>"
                    + count(before.messagesReceived() + 6) + "</td><td>" + count(before.messagesDelivered() + 5)
                    + "</td><td>" + count(errors) + " (")
                    .contains("UNKNOWN_DESTINATION " + count(unknown));
        });
    }

    /** The overview's per-node charts, in a browser on node A: one for each node, captioned with its name. */
    @Test
    void theOverviewDrawsAChartOfEachNodesMessages() throws Exception {
        ConsoleBrowser browser = ConsoleBrowser.open(a.getEnvironment().getRequiredProperty("local.server.port",
                Integer.class)).orElse(null);
        ConsoleBrowser.assumeInstalled(browser);
        try (browser) {
            browser.credentials("admin", PASSWORD);
            browser.get("/console/");
            // Drawn once a node has a rate, which is two answers apart: a second or two.
            List<String> captions = List.of("node-a: messages per second, in and out",
                    "node-b: messages per second, in and out", "node-c: messages per second, in and out");
            assertThat(chartCaptions(browser)).isEqualTo(captions);

            // On a narrow screen, the tables scroll in their own boxes and the page does not.
            browser.driver.manage().window().setSize(new Dimension(360, 800));
            browser.get("/console/");
            assertThat(chartCaptions(browser)).isEqualTo(captions);
            Object wider = browser.driver.executeScript("""
                    const width = document.documentElement.clientWidth;
                    return Array.from(document.querySelectorAll('body *'))
                        .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll'))
                        .map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5).join(' ');
                    """);
            assertThat(wider).as("elements wider than the screen").isEqualTo("");
            Object overflow = browser.driver.executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
            assertThat(((Number) overflow).intValue()).as("sideways scroll").isLessThanOrEqualTo(1);
        }
    }

    /** The captions of the per-node charts, once there are three, each drawn. */
    static List<?> chartCaptions(ConsoleBrowser browser) {
        return browser.waiting().until((driver) -> (List<?>) ((JavascriptExecutor) driver).executeScript("""
                const figures = Array.from(document.querySelectorAll('#nodes-charts figure'));
                return figures.length === 3 && figures.every((f) => f.querySelector('canvas'))
                    ? figures.map((f) => f.querySelector('figcaption').textContent) : null;
                """));
    }

    static NodeLoad loadOf(String node) {
        return a.getBean(ClusterDirectory.class).loads().loads().stream().filter((load) -> load.node().equals(node))
                .findFirst().orElseThrow();
    }

    /** The cells of the table row with this ID. */
    static String row(String page, String id) {
        Matcher row = Pattern.compile("<tr id=\"" + Pattern.quote(id) + "\">(.*?)</tr>").matcher(page);
        assertThat(row.find()).as("a row " + id).isTrue();
        return row.group(1);
    }

    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    @Test
    void listsTheClientsOfEveryNodeWithTheirNodeInPagesAcrossNodes() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        try {
            // IDs come from one counter in Redis, so they ascend in this order: every page of two spans nodes.
            for (int round = 0; round < 2; round++) {
                for (ConfigurableApplicationContext node : List.of(a, b, c)) {
                    TestClient client = connect(node);
                    clients.add(client);
                    expected.add(idAndNode(client, node.getEnvironment().getProperty("switchboard.cluster.node-id")));
                }
            }

            AdminHttp.Response all = this.admin.get("/api/clients");
            assertThat(all.status()).as(all.toString()).isEqualTo(200);
            assertThat(all.contentType()).startsWith("application/json");
            assertThat(idsAndNodes(all.json())).containsExactlyElementsOf(expected);
            assertThat(all.json().get("next").isNull()).isTrue();
            assertThat(all.json().properties()).extracting(Map.Entry::getKey)
                    .as("every node answered: no 'unanswered'").containsExactly("clients", "next");

            List<String> walked = new ArrayList<>();
            String after = "0";
            for (int page = 0; page < 3; page++) {
                JsonNode json = this.admin.get("/api/clients?limit=2&after=" + after).json();
                List<String> onPage = idsAndNodes(json);
                assertThat(onPage).containsExactlyElementsOf(expected.subList(2 * page, 2 * page + 2));
                walked.addAll(onPage);
                if (page < 2) {
                    assertThat(json.get("next").asLong()).isEqualTo(Long.parseLong(onPage.get(1).split("@")[0]));
                    after = Long.toString(json.get("next").asLong());
                }
                else {
                    assertThat(json.get("next").isNull()).as("no client above the last page's").isTrue();
                }
            }
            assertThat(walked).containsExactlyElementsOf(expected);

            // Every node's view is the same.
            for (ConfigurableApplicationContext node : List.of(b, c)) {
                AdminHttp other = AdminHttp.as(node.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                        "admin", PASSWORD);
                assertThat(idsAndNodes(other.get("/api/clients").json())).containsExactlyElementsOf(expected);
            }
        }
        finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void showsAClientOfAnotherNodeWithThatNodesCounters() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (TestClient onB = connect(b); TestClient onC = connect(c)) {
            AdminHttp.Response response = this.admin.get(path(onB));
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            JsonNode json = response.json();
            assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactly("id", "node", "remoteAddress",
                    "connectedAt", "messagesIn", "messagesOut", "bytesIn", "bytesOut", "queuedBytes", "subject",
                    "throttled");
            assertThat(json.get("subject").isNull()).isTrue();
            assertThat(json.get("throttled").asBoolean()).isFalse();
            assertThat(json.get("id").asLong()).isEqualTo(Integer.toUnsignedLong(onB.id()));
            assertThat(json.get("node").asString()).isEqualTo("node-b");
            assertThat(json.get("remoteAddress").asString()).isEqualTo("127.0.0.1:" + onB.socket().getLocalPort());
            assertThat(json.get("connectedAt").asString()).endsWith("Z");
            assertThat(Instant.parse(json.get("connectedAt").asString())).isBetween(before, Instant.now());

            onB.send(onC.id(), "hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(onC.readDeliver().payload()).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
            await().untilAsserted(() -> {
                JsonNode sender = this.admin.client(onB.id());
                assertThat(sender.get("messagesIn").asLong()).isEqualTo(1);
                assertThat(sender.get("bytesIn").asLong()).isEqualTo(5);
                JsonNode receiver = this.admin.client(onC.id());
                assertThat(receiver.get("node").asString()).isEqualTo("node-c");
                assertThat(receiver.get("messagesOut").asLong()).isEqualTo(1);
                assertThat(receiver.get("bytesOut").asLong()).isEqualTo(5);
                assertThat(receiver.get("queuedBytes").asLong()).isZero();
            });
        }
    }

    @Test
    void deliversTheOperatorsMessageToAClientOfAnotherNodeByteForByteFromSrc0() throws Exception {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] text = "Grüße vom Operator ✓\r\n".getBytes(StandardCharsets.UTF_8);
        try (TestClient onB = connect(b); TestClient onC = connect(c)) {
            expectDelivered(onB, this.admin.post(path(onB) + "/messages", everyByte, "application/octet-stream"),
                    everyByte);
            expectDelivered(onC, this.admin.post(path(onC) + "/messages", text, "text/plain; charset=UTF-8"), text);
            expectDelivered(onC, this.admin.post(path(onC) + "/messages", new byte[0], "application/octet-stream"),
                    new byte[0]);
            assertThat(this.admin.client(onC.id()).get("messagesOut").asLong()).isEqualTo(2);
        }
    }

    private static void expectDelivered(TestClient client, AdminHttp.Response response, byte[] payload)
            throws Exception {
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.json().get("delivered").asBoolean()).isTrue();
        Message deliver = client.readDeliver();
        assertThat(deliver.src()).isZero();
        assertThat(deliver.payload()).isEqualTo(payload);
    }

    @Test
    void answersAnIdNoNodeHoldsWith404() throws Exception {
        for (String id : List.of("4294967295", "4000000000")) {
            assertProblem(this.admin.get("/api/clients/" + id), 404);
            assertProblem(this.admin.delete("/api/clients/" + id), 404);
            assertProblem(this.admin.post("/api/clients/" + id + "/messages", new byte[] { 1 }, "text/plain"), 404);
        }
        // A client of another node that has left it, though node A still remembers where it was.
        TestClient left = connect(b);
        try (left) {
            expectDelivered(left, this.admin.post(path(left) + "/messages", new byte[] { 1 }, "text/plain"),
                    new byte[] { 1 });
        }
        await().until(() -> b.getBean(ClientRegistry.class).get(left.id()) == null);
        assertProblem(this.admin.get(path(left)), 404);
        // Before the POST, whose answer from node B makes node A forget where the client was.
        assertProblem(this.admin.delete(path(left)), 404);
        assertProblem(this.admin.post(path(left) + "/messages", new byte[] { 2 }, "text/plain"), 404);
        assertProblem(this.admin.delete(path(left)), 404);
    }

    @Test
    void disconnectsAClientOfAnotherNode() throws Exception {
        try (TestClient onC = connect(c)) {
            AdminHttp.Response response = this.admin.delete(path(onC));
            assertThat(response.status()).as(response.toString()).isEqualTo(204);
            assertThat(response.raw().body()).isEmpty();
            // A clean close: end of stream, not a reset, and nothing before it.
            assertThat(onC.readUntilClosed()).isEmpty();
            await().untilAsserted(() -> assertProblem(this.admin.get(path(onC)), 404));
        }
    }

    @Test
    void broadcastReachesTheClientsOfEveryNode() throws Exception {
        try (TestClient onA = connect(a); TestClient onB = connect(b); TestClient onC1 = connect(c);
                TestClient onC2 = connect(c)) {
            byte[] payload = "to everyone".getBytes(StandardCharsets.UTF_8);
            AdminHttp.Response response = this.admin.post("/api/broadcast", payload, "text/plain");
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.json().properties()).extracting(Map.Entry::getKey).containsExactly("recipients");
            assertThat(response.json().get("recipients").asInt()).isEqualTo(4);
            for (TestClient client : List.of(onA, onB, onC1, onC2)) {
                Message deliver = client.readDeliver();
                assertThat(deliver.src()).isZero();
                assertThat(deliver.payload()).isEqualTo(payload);
            }
            // Without a client on A, the count is still that of the other nodes' clients.
            onA.close();
            await().until(() -> a.getBean(ClientRegistry.class).size() == 0);
            assertThat(this.admin.broadcast(new byte[0])).isEqualTo(3);
            for (TestClient client : List.of(onB, onC1, onC2)) {
                assertThat(client.readDeliver().payload()).isEmpty();
            }
        }
    }

    @Test
    void theOperatorsSendToAStuckClientOfAnotherNodeGetsThatNodesOutcome() throws Exception {
        try (TestClient slow = TestClient.connect(ClusterNodes.tcpPort(b), SMALL_RECEIVE_BUFFER)) {
            QueueFiller.fillUntilStuck(this.admin, slow, CHUNK);
            long queued = this.admin.client(slow.id()).get("queuedBytes").asLong();
            assertThat(queued).isEqualTo(CHUNK);

            // No room in B's queue (policy reject): 429, and nothing more is queued.
            assertProblem(this.admin.post(path(slow) + "/messages", new byte[CHUNK], "application/octet-stream"), 429);
            assertThat(this.admin.client(slow.id()).get("queuedBytes").asLong()).isEqualTo(queued);

            // Room, but never written: 504 after send-timeout.
            assertProblem(this.admin.post(path(slow) + "/messages", new byte[] { 7 }, "application/octet-stream"), 504);
            assertThat(this.admin.client(slow.id()).get("queuedBytes").asLong()).isEqualTo(queued + 1);

            // Disconnected while the message waits: 410.
            CompletableFuture<AdminHttp.Response> pending = this.admin.postAsync(path(slow) + "/messages",
                    new byte[] { 1, 2, 3 }, "application/octet-stream");
            await().until(() -> this.admin.client(slow.id()).get("queuedBytes").asLong() == queued + 4);
            assertThat(this.admin.delete(path(slow)).status()).isEqualTo(204);
            assertProblem(pending.get(AdminHttp.TIMEOUT.toSeconds(), TimeUnit.SECONDS), 410);
        }
    }
}
