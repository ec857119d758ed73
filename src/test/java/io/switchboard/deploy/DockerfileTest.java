package io.switchboard.deploy;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.switchboard.deploy.Dockerfile.Instruction;
import io.switchboard.deploy.Dockerfile.Stage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile read against the build it packages: the build stage runs CI's command, the run
 * stage runs the jar that command makes, on the same Java. {@code DockerImageLayoutIT} then
 * extracts and starts the real jar the way the image does.
 */
class DockerfileTest {

    /** Spring Boot's default layers, least likely to change first; DockerImageLayoutIT checks them against the jar. */
    static final List<String> LAYERS = List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");

    private static final Pattern EXTRACT = Pattern
        .compile("java -Djarmode=tools -jar (\\S+) extract --layers --destination (\\S+)");

    final Dockerfile dockerfile = Dockerfile.read();

    @Test
    void buildsOnAJdkAndRunsOnAJreOfTheProjectsJava() {
        assertThat(this.dockerfile.stages()).hasSize(2);
        String java = ProjectFiles.javaVersion();
        assertThat(buildStage().image()).isEqualTo("eclipse-temurin:" + java + "-jdk");
        assertThat(this.dockerfile.last().image()).isEqualTo("eclipse-temurin:" + java + "-jre");
    }

    @Test
    void theBuildStageRunsTheCommandCiRuns() {
        assertThat(buildStage().runCommands()).contains(ProjectFiles.ciBuildCommand());
        // Tests read these in the build stage: the context must hold them.
        assertThat(buildStage().all("COPY")).extracting(Instruction::arguments).contains(". .");
    }

    @Test
    void theRunStageRunsTheJarTheBuildMakesFromItsLayers() {
        Extraction extraction = extraction(this.dockerfile);
        assertThat(extraction.jar()).isEqualTo("target/" + ProjectFiles.jarName());
        assertThat(layerCopies(this.dockerfile)).containsExactlyElementsOf(LAYERS);
        // The extracted application layer holds the jar under the name it was extracted from.
        assertThat(entrypoint(this.dockerfile)).containsExactly("java", "-jar", ProjectFiles.jarName());
        assertThat(this.dockerfile.last().lastOf("CMD")).isEmpty();
    }

    @Test
    void theEntrypointIsExecFormSoSigtermReachesTheJvm() {
        Instruction entrypoint = this.dockerfile.last().lastOf("ENTRYPOINT").orElseThrow();
        assertThat(entrypoint.execForm()).as("shell form would make /bin/sh PID 1, which does not pass SIGTERM on").isPresent();
        assertThat(this.dockerfile.last().lastOf("STOPSIGNAL").map(Instruction::arguments)).isEmpty();
    }

    @Test
    void runsAsTheNumericNonRootUserOfTheManifests() {
        String user = this.dockerfile.last().lastOf("USER").orElseThrow(() -> new AssertionError("no USER: root")).arguments();
        Matcher numeric = Pattern.compile("(\\d+):(\\d+)").matcher(user);
        assertThat(numeric.matches()).as("USER %s: Kubernetes can verify runAsNonRoot only for a numeric user and group", user).isTrue();
        assertThat(Integer.parseInt(numeric.group(1))).isNotZero();
        for (String overlay : Manifests.OVERLAYS) {
            Map<String, Object> pod = Manifests.render(overlay).podSpec();
            assertThat(Manifests.integer(pod, "securityContext.runAsUser")).isEqualTo(Integer.parseInt(numeric.group(1)));
            assertThat(Manifests.integer(pod, "securityContext.runAsGroup")).isEqualTo(Integer.parseInt(numeric.group(2)));
        }
    }

    @Test
    void exposesTheApplicationsDefaultPortsWhichTheManifestsUse() {
        Set<Integer> exposed = this.dockerfile.last().all("EXPOSE").stream()
            .flatMap((expose) -> Arrays.stream(expose.arguments().split("\\s+")))
            .map((port) -> Integer.parseInt(port.replace("/tcp", "")))
            .collect(Collectors.toSet());
        ApplicationSettings defaults = new ApplicationSettings(Map.of());
        assertThat(exposed).containsExactlyInAnyOrder(defaults.get("switchboard.tcp.port", Integer.class),
                defaults.get("server.port", Integer.class));
        for (String overlay : Manifests.OVERLAYS) {
            Manifests manifests = Manifests.render(overlay);
            assertThat(exposed).containsExactlyInAnyOrder(manifests.containerPort("relay"), manifests.containerPort("admin"));
        }
    }

    @Test
    void theJvmSizesItsHeapFromTheContainersMemory() {
        String options = this.dockerfile.last().env("JAVA_TOOL_OPTIONS").orElseThrow(() -> new AssertionError("no JAVA_TOOL_OPTIONS"));
        assertThat(options).containsPattern("-XX:MaxRAMPercentage=\\d+").doesNotContain("-Xmx").contains("-XX:+UseG1GC");
        assertThat(this.dockerfile.last().all("ENTRYPOINT").getLast().arguments()).doesNotContain("-XX:", "-Xm");
    }

    @Test
    void theDockerignoreKeepsWhatTheBuildStageNeedsAndDropsBuildOutput() {
        List<String> patterns = ProjectFiles.lines(".dockerignore").stream().map(String::strip)
            .filter((line) -> !line.isEmpty() && !line.startsWith("#"))
            .toList();
        assertThat(patterns).noneMatch((pattern) -> pattern.startsWith("!"));
        for (String needed : List.of("pom.xml", ProjectFiles.SERVER_POM, "client/pom.xml",
                "client/src/main/java/io/switchboard/client/SwitchboardClient.java", "mvnw",
                ".mvn/wrapper/maven-wrapper.properties", ".ci/run", "Dockerfile",
                ".dockerignore", "src/main/java/io/switchboard/SwitchboardApplication.java",
                "src/test/java/io/switchboard/deploy/DockerfileTest.java", "deploy/kubernetes/base/kustomization.yaml", "docs/PROTOCOL.md")) {
            assertThat(ignored(patterns, needed)).as(needed + " is needed by ./mvnw -B verify in the build stage").isFalse();
        }
        assertThat(ignored(patterns, "target/switchboard.jar")).isTrue();
        assertThat(ignored(patterns, "client/target/classes/io/switchboard/client/SwitchboardClient.class")).isTrue();
        assertThat(ignored(patterns, ".git/HEAD")).isTrue();
    }

    private Stage buildStage() {
        return buildStage(this.dockerfile);
    }

    /** The stage the image's layers are copied from. */
    static Stage buildStage(Dockerfile dockerfile) {
        Set<String> sources = dockerfile.last().all("COPY").stream()
            .map((copy) -> copy.flag("from").orElseThrow(() -> new AssertionError("the run stage copies from the context: " + copy)))
            .collect(Collectors.toSet());
        assertThat(sources).hasSize(1);
        return dockerfile.stage(sources.iterator().next());
    }

    /**
     * @param jar the jar the build stage extracts
     * @param destination where its layers go
     */
    record Extraction(String jar, String destination) {
    }

    static Extraction extraction(Dockerfile dockerfile) {
        List<Extraction> extractions = new ArrayList<>();
        for (String command : buildStage(dockerfile).runCommands()) {
            Matcher matcher = EXTRACT.matcher(command);
            if (matcher.matches()) {
                extractions.add(new Extraction(matcher.group(1), matcher.group(2)));
            }
        }
        assertThat(extractions).as("the build stage extracts the jar's layers once").hasSize(1);
        return extractions.getFirst();
    }

    /** The layers the run stage copies, in order, each a directory of the extraction. */
    static List<String> layerCopies(Dockerfile dockerfile) {
        String destination = extraction(dockerfile).destination();
        List<String> layers = new ArrayList<>();
        for (Instruction copy : dockerfile.last().all("COPY")) {
            List<String> words = copy.withoutFlags();
            assertThat(words).as(copy.arguments()).hasSize(2);
            assertThat(words.get(1)).as("into the working directory: " + copy.arguments()).isEqualTo("./");
            Path source = Path.of(words.get(0));
            assertThat(source.getParent()).as(copy.arguments()).isEqualTo(Path.of(destination));
            layers.add(source.getFileName().toString());
        }
        return layers;
    }

    static List<String> entrypoint(Dockerfile dockerfile) {
        return dockerfile.last().lastOf("ENTRYPOINT").flatMap(Instruction::execForm)
            .orElseThrow(() -> new AssertionError("no exec-form ENTRYPOINT"));
    }

    /** Whether a path of the context is left out by one of .dockerignore's patterns (no negations). */
    static boolean ignored(List<String> patterns, String path) {
        for (String raw : patterns) {
            String pattern = raw.replaceAll("^/+", "").replaceAll("/+$", "");
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            // A pattern that names a directory leaves out everything under it.
            for (Path prefix = Path.of(path); prefix != null; prefix = prefix.getParent()) {
                if (matcher.matches(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }
}
