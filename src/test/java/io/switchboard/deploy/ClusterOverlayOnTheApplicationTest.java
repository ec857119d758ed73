package io.switchboard.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;

import io.switchboard.cluster.EmbeddedRedis;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application with the environment of overlays/cluster: cluster mode on, with a real Redis
 * (embedded) standing in for the overlay's, at the address the Redis variables then give.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@ContextConfiguration(initializers = ClusterOverlayOnTheApplicationTest.Environment.class)
// The node leaves the cluster and its Redis stops with this class, not at the end of the run.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ClusterOverlayOnTheApplicationTest extends OverlayOnTheApplicationTest {

    /** Started by the initializer, stopped with the application context. */
    static EmbeddedRedis redis;

    @Override
    String overlay() {
        return "cluster";
    }

    @Override
    Map<String, String> overrides() {
        return redisVariables();
    }

    /** The overlay's variables do turn cluster mode on: the node has joined, and the admin API shows clients with their node. */
    @Test
    void theNodeRunsInClusterModeThroughTheRedisTheVariablesName() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(this.relay::isListening);
        String password = Manifests.render(overlay()).environment().get("SWITCHBOARD_ADMIN_PASSWORD");
        String authorization = "Basic " + Base64.getEncoder()
            .encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
        try (TestClient client = TestClient.connect(this.relay.port());
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            Map<String, Object> health = get(http, "/actuator/health/cluster", authorization);
            assertThat(health).containsEntry("status", "UP");
            Map<String, Object> clients = get(http, "/api/clients", authorization);
            assertThat((List<?>) clients.get("clients")).singleElement().satisfies((view) -> {
                assertThat(((Number) ((Map<?, ?>) view).get("id")).longValue()).isEqualTo(Integer.toUnsignedLong(client.id()));
                assertThat(((Map<?, ?>) view).get("node")).asString().isNotBlank();
            });
        }
    }

    private Map<String, Object> get(HttpClient http, String path, String authorization) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path))
            .header("Authorization", authorization)
            .timeout(Duration.ofSeconds(10))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JsonParserFactory.getJsonParser().parseMap(response.body());
    }

    static Map<String, String> redisVariables() {
        return Map.of("SPRING_DATA_REDIS_HOST", "127.0.0.1", "SPRING_DATA_REDIS_PORT", Integer.toString(redis.port()));
    }

    static class Environment extends OverlayEnvironment {

        Environment() {
            super("cluster");
        }

        @Override
        Map<String, String> overrides(ConfigurableApplicationContext context) {
            try {
                redis = EmbeddedRedis.start();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            // Registered before any bean of the application, so destroyed after all of them: the node leaves first.
            ((DefaultListableBeanFactory) context.getBeanFactory()).registerDisposableBean("embeddedRedis", redis::close);
            return redisVariables();
        }
    }
}
