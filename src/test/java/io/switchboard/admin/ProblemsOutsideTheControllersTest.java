package io.switchboard.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static io.switchboard.admin.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every error of the admin port is a problem document (ADMIN-API.md), also those that Tomcat
 * answers before any servlet sees the request: bytes that are not HTTP, a header too large, a
 * path Tomcat rejects. Sent over raw sockets, as an attacker or a confused client would.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.admin.password=" + ProblemsOutsideTheControllersTest.PASSWORD })
class ProblemsOutsideTheControllersTest {

    static final String PASSWORD = "problems-test-password";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The start of a TLS 1.2 ClientHello record, as a client that thinks this port speaks HTTPS sends. */
    private static final byte[] TLS_CLIENT_HELLO = HexFormat.of().parseHex(
            "16030100c4010000c00303" + "00".repeat(32) + "000004c02fc0300100009300000000");

    @LocalServerPort
    int port;

    @Test
    void aHeaderOver8KilobytesIsAProblem() throws IOException {
        RawResponse response = exchange(("GET /api/clients HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(9000)
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        response.assertProblem(400);
    }

    @Test
    void aNulOrAnEncodedSlashInThePathIsAProblem() throws IOException {
        exchange(get("/api/clients/%00")).assertProblem(400);
        exchange(get("/api/clients/1%2F2")).assertProblem(400);
        exchange(get("/api/clients/%2e%2e/%2e%2e/etc")).assertProblem(400);
    }

    @Test
    void tlsBytesOnTheHttpPortAreAProblem() throws IOException {
        exchange(TLS_CLIENT_HELLO).assertProblem(400);
    }

    @Test
    void anUnknownPathIsAProblemThatNamesNoStaticResource() {
        AdminHttp admin = AdminHttp.as(this.port, "admin", PASSWORD);
        JsonNode problem = assertProblem(admin.get("/api/nothing"), 404);
        assertThat(problem.get("detail").asString()).doesNotContainIgnoringCase("static resource");
        assertProblem(admin.get("/favicon.ico"), 404);
        assertProblem(admin.get("/"), 404);
    }

    private static byte[] get(String path) {
        String basic = java.util.Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + basic
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private RawResponse exchange(byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            return RawResponse.parse(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }

    record RawResponse(int status, String head, String body) {

        static RawResponse parse(String text) {
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("a complete HTTP response: %s", text).isPositive();
            String head = text.substring(0, end);
            String body = text.substring(end + 4);
            if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            return new RawResponse(Integer.parseInt(head.substring(9, 12)), head, body);
        }

        private static String unchunk(String body) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int lineEnd = body.indexOf("\r\n", at);
                int size = Integer.parseInt(body.substring(at, lineEnd).trim(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(body, lineEnd + 2, lineEnd + 2 + size);
                at = lineEnd + 2 + size + 2;
            }
        }

        void assertProblem(int expected) {
            assertThat(this.status).as(this.head + "\n\n" + this.body).isEqualTo(expected);
            assertThat(this.head.toLowerCase(Locale.ROOT)).as(this.head).contains("content-type: application/problem+json");
            JsonNode problem = JSON.readTree(this.body);
            assertThat(problem.get("status").asInt()).isEqualTo(expected);
            assertThat(problem.get("title").asString()).isNotBlank();
            assertThat(problem.get("detail").asString()).isNotBlank();
            assertThat(this.body).doesNotContain("Exception").doesNotContain("Tomcat").doesNotContain("<html");
        }
    }
}
