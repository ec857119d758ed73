package io.switchboard.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.json.JsonParserFactory;

import io.switchboard.deploy.ProjectFiles.Result;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The image's run stage without Docker (no engine runs here): the jar that {@code ./mvnw -B verify}
 * just packaged, extracted by the build stage's own command, its layers copied in the run stage's
 * order into one directory, then the ENTRYPOINT started there with the image's JAVA_TOOL_OPTIONS.
 * It must turn ready on the manifests' readiness path, take a client, and exit on SIGTERM.
 * Runs in Maven's integration-test phase, after package.
 */
class DockerImageLayoutIT {

    private static final Duration START_LIMIT = Duration.ofSeconds(120);

    final Dockerfile dockerfile = Dockerfile.read();

    @TempDir
    Path work;

    Process application;

    Path jar;

    @BeforeEach
    void findTheJar() {
        this.jar = ProjectFiles.ROOT.resolve("target").resolve(ProjectFiles.jarName());
        assertThat(this.jar).as("the jar the package phase makes").isRegularFile();
    }

    @AfterEach
    void stop() {
        if (this.application != null && this.application.isAlive()) {
            this.application.destroyForcibly();
        }
    }

    @Test
    void theRunStageCopiesEveryLayerOfTheJarInTheJarsOrder() throws Exception {
        Result layers = run(List.of(java(), "-Djarmode=tools", "-jar", this.jar.toString(), "list-layers"), ProjectFiles.ROOT);
        assertThat(layers.exit()).as(layers.output()).isZero();
        assertThat(layerCopies()).containsExactlyElementsOf(layers.output().lines().map(String::strip).filter((line) -> !line.isEmpty()).toList());
    }

    @Test
    void theImagesEntrypointStartsTheApplicationWhichDrainsOnSigterm() throws Exception {
        Path app = assembleTheRunStage();
        List<String> entrypoint = new ArrayList<>(DockerfileTest.entrypoint(this.dockerfile));
        assertThat(entrypoint.getFirst()).isEqualTo("java");
        entrypoint.set(0, java());

        int relayPort = freePort();
        int httpPort = freePort();
        String javaToolOptions = this.dockerfile.last().env("JAVA_TOOL_OPTIONS").orElseThrow();
        Path log = this.work.resolve("application.log");
        ProcessBuilder builder = new ProcessBuilder(entrypoint).directory(app.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        builder.environment().put("SWITCHBOARD_TCP_PORT", String.valueOf(relayPort));
        builder.environment().put("SERVER_PORT", String.valueOf(httpPort));
        this.application = builder.start();
        this.application.getOutputStream().close();

        String readiness = Manifests.string(Manifests.render("single").container(), "readinessProbe.httpGet.path");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            await().atMost(START_LIMIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                assertThat(this.application.isAlive()).as("the application exited: %s", Files.readString(log)).isTrue();
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + readiness))
                    .timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 && "UP".equals(JsonParserFactory.getJsonParser().parseMap(response.body()).get("status"));
            });
        }
        try (TestClient client = TestClient.connect(relayPort)) {
            assertThat(client.id()).isNotZero();
        }
        assertThat(Files.readString(log)).contains("Picked up JAVA_TOOL_OPTIONS: " + javaToolOptions);

        // What Kubernetes sends once the preStop hook has run: SIGTERM, to PID 1 of the image.
        this.application.destroy();
        assertThat(this.application.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        // 143 is 128 + SIGTERM: the JVM ran its shutdown hooks (Spring's context close) and exited.
        assertThat(this.application.exitValue()).as(Files.readString(log)).isIn(0, 143);
    }

    /** The run stage's working directory: the build stage's extraction, its layers copied over each other in order. */
    private Path assembleTheRunStage() throws Exception {
        DockerfileTest.Extraction extraction = DockerfileTest.extraction(this.dockerfile);
        Path layers = this.work.resolve("layers");
        Result extract = run(List.of(java(), "-Djarmode=tools", "-jar", extraction.jar(), "extract", "--layers",
                "--destination", layers.toString()), ProjectFiles.ROOT);
        assertThat(extract.exit()).as(extract.output()).isZero();
        Path app = Files.createDirectory(this.work.resolve("app"));
        for (String layer : layerCopies()) {
            copyInto(layers.resolve(layer), app);
        }
        assertThat(app.resolve(ProjectFiles.jarName())).isRegularFile();
        return app;
    }

    private List<String> layerCopies() {
        return DockerfileTest.layerCopies(this.dockerfile);
    }

    private static void copyInto(Path source, Path target) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Path destination = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(destination);
                }
                else {
                    Files.copy(file, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Result run(List<String> command, Path directory) throws Exception {
        return ProjectFiles.run(command, directory, this.work, Map.of());
    }
}
