package io.switchboard.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint.ConfigurationPropertiesBeanDescriptor;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real application, started with the environment a pod of an overlay gets (its ConfigMap,
 * its Secret, its env entries), as Spring Boot reads a process environment. The two port
 * variables are set to 0 so that this test can run beside others, and an overlay's test may
 * point others at what the test provides in place of the cluster's services (the cluster
 * overlay's Redis); that the manifests' ports agree with each other is
 * {@link KubernetesManifestsTest}'s part.
 */
abstract class OverlayOnTheApplicationTest {

    /** The variables the test sets to 0; Spring Boot maps them to switchboard.tcp.port and server.port. */
    static final Set<String> PORT_VARIABLES = Set.of("SWITCHBOARD_TCP_PORT", "SERVER_PORT");

    private static final Pattern FROM_MANIFESTS = Pattern
        .compile("\"([^\"]+)\" from property source \"" + Pattern.quote(ApplicationSettings.SOURCE_NAME) + "\"");

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    RelayEndpoint relay;

    @LocalServerPort
    int httpPort;

    abstract String overlay();

    /** Variables this overlay's test sets to other values than the manifests, besides the ports. */
    Map<String, String> overrides() {
        return Map.of();
    }

    /** What the application is started with: the pod's environment, but free ports and the test's overrides. */
    static Map<String, String> applicationEnvironment(String overlay, Map<String, String> overrides) {
        Map<String, String> environment = new LinkedHashMap<>(Manifests.render(overlay).environment());
        PORT_VARIABLES.forEach((name) -> environment.put(name, "0"));
        overrides.forEach((name, value) -> {
            if (environment.put(name, value) == null) {
                throw new IllegalArgumentException(name + " is not set by the manifests of " + overlay + ": nothing to override");
            }
        });
        return environment;
    }

    @Test
    void everyProbePathAnswersUpOnTheRunningApplication() throws Exception {
        Map<String, Object> container = Manifests.render(overlay()).container();
        List<String> paths = List.of("startupProbe", "livenessProbe", "readinessProbe").stream()
            .map((probe) -> Manifests.string(container, probe + ".httpGet.path"))
            .toList();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            for (String path : paths) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path))
                    .timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                assertThat(JsonParserFactory.getJsonParser().parseMap(response.body())).as(path).containsEntry("status", "UP");
            }
        }
    }

    /** Where the pod annotations point Prometheus, with the scrape credential the Secret holds: metrics, and nothing else. */
    @Test
    void prometheusScrapesWithItsOwnCredentialAndReadsNothingElse() throws Exception {
        Manifests manifests = Manifests.render(overlay());
        Map<String, Object> annotations = Manifests.map(manifests.deployment(), "spec.template.metadata.annotations");
        String scrape = "Basic " + java.util.Base64.getEncoder().encodeToString(("prometheus:"
                + manifests.environment().get("SWITCHBOARD_ADMIN_SCRAPE_PASSWORD")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort
                    + annotations.get("prometheus.io/path"))).header("Authorization", scrape).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("switchboard_clients_connected");
            HttpResponse<String> clients = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort
                    + "/api/clients")).header("Authorization", scrape).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(clients.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void theRelayAcceptsClientsWhileReady() throws IOException {
        await().atMost(Duration.ofSeconds(10)).until(this.relay::isListening);
        try (TestClient client = connect(this.relay.port())) {
            assertThat(client.id()).isNotZero();
        }
    }

    /** A client of the overlay's relay port, greeted: plain TCP unless the overlay's relay speaks TLS. */
    TestClient connect(int port) throws IOException {
        return TestClient.connect(port);
    }

    @Test
    void everyVariableTheManifestsSetFeedsAConfigurationPropertiesBean() {
        Map<String, String> manifests = Manifests.render(overlay()).environment();
        Map<String, String> fed = fedByTheManifests();

        Map<String, String> expected = applicationEnvironment(overlay(), overrides());
        fed.forEach((variable, input) -> assertThat(input)
            .as("%s fed a property with another value than the manifests give", variable)
            .endsWith("=" + expected.get(variable)));

        Set<String> unbound = new TreeSet<>(manifests.keySet());
        unbound.removeAll(fed.keySet());
        assertThat(unbound).as("variables the manifests set that bind to no property of the application; bound: %s", fed)
            .isEmpty();
    }

    /**
     * Which of the application's {@code @ConfigurationProperties} beans took a value from the
     * manifests' variables, as Actuator's configprops report shows it: variable to
     * "bean-prefix.property=value".
     */
    private Map<String, String> fedByTheManifests() {
        ConfigurationPropertiesReportEndpoint report = new ConfigurationPropertiesReportEndpoint(List.of(), Show.ALWAYS);
        report.setApplicationContext(this.context);
        Map<String, String> fed = new TreeMap<>();
        report.configurationProperties().getContexts().values().forEach((contextDescriptor) -> {
            for (ConfigurationPropertiesBeanDescriptor bean : contextDescriptor.getBeans().values()) {
                collect(bean.getPrefix(), bean.getInputs(), fed);
            }
        });
        return fed;
    }

    private static void collect(String path, Object inputs, Map<String, String> fed) {
        if (inputs instanceof Map<?, ?> map) {
            if (map.get("origin") instanceof String origin && map.containsKey("value")) {
                Matcher matcher = FROM_MANIFESTS.matcher(origin);
                if (matcher.matches()) {
                    fed.put(matcher.group(1), path + "=" + map.get("value"));
                }
                return;
            }
            map.forEach((key, value) -> collect(path + "." + key, value, fed));
        }
        else if (inputs instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collect(path + "[" + i + "]", list.get(i), fed);
            }
        }
    }

    /** Puts the overlay's environment first in the application's, named as Spring Boot maps a process environment. */
    abstract static class OverlayEnvironment implements ApplicationContextInitializer<ConfigurableApplicationContext> {

        private final String overlay;

        OverlayEnvironment(String overlay) {
            this.overlay = overlay;
        }

        /** The overrides, from what this initializer provides the application with. */
        Map<String, String> overrides(ConfigurableApplicationContext context) {
            return Map.of();
        }

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            context.getEnvironment().getPropertySources()
                .addFirst(ApplicationSettings.environmentSource(applicationEnvironment(this.overlay, overrides(context))));
        }
    }
}
