package io.switchboard.admin;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console's endpoints over real HTTP, without a browser: who may see them, that what a
 * client chose (its token's subject) is escaped wherever it is shown, that another site's form
 * cannot act through the console, and that a live stream ends with the context. Token mode, so
 * that a client can bring a subject of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.admin.password=" + ConsoleHttpTest.PASSWORD,
        "switchboard.auth.mode=token", "switchboard.auth.jwt.secret=" + Tokens.SECRET,
        "switchboard.max-payload-bytes=1024" })
class ConsoleHttpTest {

    static final String PASSWORD = "console-http-password";
    static final String HOSTILE = "<script>alert('x')</script>\"&<b>";

    @LocalServerPort
    int httpPort;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    @Autowired
    ConsoleStreams streams;

    AdminHttp admin;

    @BeforeEach
    void setUp() {
        await().until(this.endpoint::isListening);
        this.admin = AdminHttp.as(this.httpPort, "admin", PASSWORD);
    }

    @Test
    void everyPageAndScriptNeedsTheOperator() {
        for (String path : new String[] { "/console/", "/console/clients", "/console/clients/1",
                "/console/overview/stream", "/webjars/htmx.org/dist/htmx.min.js", "/console/assets/console.js" }) {
            assertThat(AdminHttp.anonymous(this.httpPort).get(path).status()).as(path).isEqualTo(401);
            AdminHttp.Response wrong = AdminHttp.as(this.httpPort, "admin", "wrong").get(path);
            assertThat(wrong.status()).as(path).isEqualTo(401);
            assertThat(wrong.header("WWW-Authenticate")).startsWith("Basic");
            assertThat(wrong.text()).doesNotContain("<html");
        }
        assertThat(AdminHttp.anonymous(this.httpPort).post("/console/broadcast", "body=x".getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded").status()).isEqualTo(401);
    }

    @Test
    void pagesAndTheirScriptsAreServed() {
        AdminHttp.Response overview = this.admin.get("/console/");
        assertThat(overview.status()).isEqualTo(200);
        assertThat(overview.contentType()).startsWith("text/html");
        assertThat(overview.text()).contains("Clients connected", "sse-connect=\"/console/overview/stream\"");
        for (String script : new String[] { "/webjars/htmx.org/dist/htmx.min.js", "/webjars/htmx-ext-sse/sse.js",
                "/webjars/uplot/dist/uPlot.iife.min.js", "/webjars/uplot/dist/uPlot.min.css",
                "/console/assets/console.js", "/console/assets/console.css" }) {
            assertThat(this.admin.get(script).status()).as(script).isEqualTo(200);
        }
        assertThat(this.admin.get("/webjars/htmx.org/../../application.properties").status()).isNotEqualTo(200);
    }

    @Test
    void aClientsSubjectIsEscapedInTheListTheSearchAndItsPage() throws Exception {
        String token = Tokens.hs256(Map.of("sub", HOSTILE));
        try (TestClient client = TestClient.connectWithToken(this.endpoint.port(), token)) {
            long id = Integer.toUnsignedLong(client.id());
            for (String path : new String[] { "/console/clients", "/console/clients?q=alert",
                    "/console/clients?order=queued", "/console/clients/" + id }) {
                String html = this.admin.get(path).text();
                assertThat(html).as(path).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;&lt;b&gt;")
                        .doesNotContain(HOSTILE).doesNotContain("<script>alert");
            }
            // The search is echoed in the form and the caption: escaped there too.
            String search = this.admin.get("/console/clients?q=%3Cimg%20src%3Dx%3E").text();
            assertThat(search).contains("&lt;img src=x&gt;").doesNotContain("<img src=x>");
        }
    }

    @Test
    void anotherSitesFormCannotActThroughTheConsole() throws Exception {
        try (TestClient client = TestClient.connectWithToken(this.endpoint.port(), Tokens.hs256(Map.of("sub", "a")))) {
            long id = Integer.toUnsignedLong(client.id());
            for (String path : new String[] { "/console/clients/" + id + "/messages", "/console/clients/" + id
                    + "/disconnect", "/console/broadcast" }) {
                AdminHttp.Response crossSite = this.admin.send(this.admin.request(path)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Origin", "https://evil.example").header("Sec-Fetch-Site", "cross-site")
                        .POST(HttpRequest.BodyPublishers.ofString("body=hi")));
                assertThat(crossSite.status()).as(path).isEqualTo(403);
            }
            assertThat(this.registry.get(client.id())).isNotNull();
            // The console's own requests come from its origin, and pass.
            AdminHttp.Response sameOrigin = this.admin.send(this.admin.request("/console/clients/" + id + "/messages")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Origin", "http://127.0.0.1:" + this.httpPort).header("Sec-Fetch-Site", "same-origin")
                    .POST(HttpRequest.BodyPublishers.ofString("format=hex&body=00+ff+41")));
            assertThat(sameOrigin.text()).contains("200 delivered");
            assertThat(client.readDeliver().payload()).containsExactly(0x00, 0xff, 0x41);
        }
    }

    @Test
    void sendShowsTheApisOutcomes() {
        String tooLarge = form("/console/clients/77/messages", "body=" + "x".repeat(1025));
        assertThat(tooLarge).contains("413");
        assertThat(form("/console/clients/77/messages", "body=hi")).contains("404 Not Found");
        assertThat(form("/console/clients/77/messages", "format=hex&body=zz")).contains("400");
        assertThat(form("/console/clients/77/disconnect", "")).contains("404");
        assertThat(this.admin.get("/console/clients/77").status()).isEqualTo(404);
        assertThat(this.admin.get("/console/clients/abc").status()).isEqualTo(400);
    }

    @Test
    void theOverviewStreamSendsNumbersAtOnce() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<java.io.InputStream> response = http.send(this.admin.request("/console/overview/stream").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("text/event-stream"));
        try (var in = response.body()) {
            String first = new String(in.readNBytes(64), StandardCharsets.UTF_8);
            assertThat(first).startsWith("event:");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> this.streams.openStreams() == 0);
    }

    private String form(String path, String body) {
        AdminHttp.Response response = this.admin.post(path, body.getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded");
        assertThat(response.status()).as(path).isEqualTo(200);
        return response.text();
    }
}
