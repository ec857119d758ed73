package io.switchboard.admin;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real HTTP against the running server, with or without the operator's credentials. Every
 * request has a timeout, so that a test fails rather than hangs. Public for the cluster tests.
 */
public final class AdminHttp {

    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String authorization;

    private AdminHttp(int port, String authorization) {
        this.base = "http://127.0.0.1:" + port;
        this.authorization = authorization;
    }

    public static AdminHttp as(int port, String username, String password) {
        return new AdminHttp(port, "Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    public static AdminHttp anonymous(int port) {
        return new AdminHttp(port, null);
    }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path)).timeout(TIMEOUT);
        if (this.authorization != null) {
            request.header("Authorization", this.authorization);
        }
        return request;
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    public Response post(String path, byte[] body, String contentType) {
        return send(request(path).header("Content-Type", contentType).POST(BodyPublishers.ofByteArray(body)));
    }

    public CompletableFuture<Response> postAsync(String path, byte[] body, String contentType) {
        return this.client.sendAsync(request(path).header("Content-Type", contentType)
                .POST(BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofByteArray()).thenApply(Response::new);
    }

    public Response post(String path, BodyPublisher body, String contentType) {
        return send(request(path).header("Content-Type", contentType).POST(body));
    }

    /** @return how many clients took it */
    public int broadcast(byte[] body) {
        Response response = post("/api/broadcast", body, "application/octet-stream");
        if (response.status() != 200) {
            throw new AssertionError("broadcast answered " + response);
        }
        return response.json().get("recipients").asInt();
    }

    public JsonNode client(int id) {
        Response response = get("/api/clients/" + Integer.toUnsignedLong(id));
        if (response.status() != 200) {
            throw new AssertionError("GET client " + Integer.toUnsignedLong(id) + " answered " + response);
        }
        return response.json();
    }

    public Response send(HttpRequest.Builder request) {
        try {
            return new Response(this.client.send(request.build(), BodyHandlers.ofByteArray()));
        }
        catch (IOException ex) {
            throw new AssertionError("HTTP request failed: " + ex, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    public record Response(HttpResponse<byte[]> raw) {

        public int status() {
            return this.raw.statusCode();
        }

        public String header(String name) {
            return this.raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        public String text() {
            return new String(this.raw.body(), StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            return JSON.readTree(this.raw.body());
        }

        @Override
        public String toString() {
            return status() + " " + contentType() + " " + text();
        }
    }
}
