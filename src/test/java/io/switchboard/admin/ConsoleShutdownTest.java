package io.switchboard.admin;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;
import io.switchboard.relay.RelayEndpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A console page left open does not hold up a graceful shutdown: its stream, a request that
 * never ends by itself, is completed before the web server waits for its requests (up to 30
 * seconds), and the browser sees it end.
 */
class ConsoleShutdownTest {

    static final String PASSWORD = "console-shutdown-password";

    @Test
    void openStreamsEndBeforeTheWebServerWaitsForThem() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties("server.port=0", "switchboard.tcp.port=0", "switchboard.admin.password=" + PASSWORD,
                        "switchboard.shutdown-grace=2s")
                .run();
        try {
            await().until(context.getBean(RelayEndpoint.class)::isListening);
            int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            AdminHttp admin = AdminHttp.as(httpPort, "admin", PASSWORD);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> overview = http.send(admin.request("/console/overview/stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<InputStream> clients = http.send(admin.request("/console/clients/stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(overview.statusCode()).isEqualTo(200);
            assertThat(clients.statusCode()).isEqualTo(200);
            await().until(() -> context.getBean(ConsoleStreams.class).openStreams() == 2);

            long start = System.nanoTime();
            context.close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isLessThan(Duration.ofSeconds(15));
            // Both streams end: everything sent is there to read, then the end of the body.
            try (InputStream in = overview.body()) {
                assertThat(new String(in.readAllBytes())).startsWith("event:");
            }
            try (InputStream in = clients.body()) {
                assertThat(new String(in.readAllBytes())).startsWith("event:rows");
            }
        }
        finally {
            context.close();
        }
    }
}
