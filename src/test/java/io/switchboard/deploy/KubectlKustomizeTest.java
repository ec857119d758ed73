package io.switchboard.deploy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kustomize's own rendering of each overlay, where kubectl is installed, must be exactly what
 * {@link KustomizeRenderer} renders, so that the manifest tests mean the same thing on a machine
 * without kubectl. kubectl is optional: without it (or with a kustomize older than v5, which
 * lacks fields the overlays use) this test is skipped and says so.
 */
class KubectlKustomizeTest {

    static final List<String> OVERLAYS = Manifests.OVERLAYS;

    private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)\\.");

    private static String skipReason;

    @BeforeAll
    static void findKubectl() {
        try {
            Result version = run(List.of("kubectl", "version", "--client"));
            Matcher matcher = KUSTOMIZE_VERSION.matcher(version.out());
            if (version.exit() != 0 || !matcher.find()) {
                skipReason = "kubectl version --client names no kustomize version: " + version.out() + version.err();
            }
            else if (Integer.parseInt(matcher.group(1)) < 5) {
                skipReason = "kubectl's kustomize is older than v5: " + matcher.group();
            }
        }
        catch (IOException ex) {
            skipReason = "no kubectl on PATH (" + ex.getMessage() + ")";
        }
        if (skipReason != null) {
            System.out.println("KubectlKustomizeTest skipped: " + skipReason
                    + "; the overlays were checked with the Java rendering only");
        }
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void kustomizeRendersWhatTheJavaRenderingChecks(String overlay) throws IOException {
        assumeTrue(skipReason == null, () -> skipReason);
        Result rendered = run(List.of("kubectl", "kustomize", Manifests.overlayDirectory(overlay).toString()));
        assertThat(rendered.exit()).as("kubectl kustomize failed: %s", rendered.err()).isZero();

        List<Map<String, Object>> kustomize = new ArrayList<>();
        for (Object document : new Yaml().loadAll(new StringReader(rendered.out()))) {
            if (document != null) {
                kustomize.add(Manifests.asMap(document));
            }
        }
        assertThat(byIdentity(KustomizeRenderer.render(Manifests.overlayDirectory(overlay))))
            .isEqualTo(byIdentity(kustomize));
    }

    private static Map<String, Map<String, Object>> byIdentity(List<Map<String, Object>> resources) {
        Map<String, Map<String, Object>> byIdentity = new TreeMap<>();
        for (Map<String, Object> resource : resources) {
            String identity = resource.get("kind") + " " + Manifests.at(resource, "metadata.namespace") + "/"
                    + Manifests.at(resource, "metadata.name");
            assertThat(byIdentity.put(identity, resource)).as("rendered twice: " + identity).isNull();
        }
        return byIdentity;
    }

    private record Result(int exit, String out, String err) {
    }

    /** Runs a command with its output in files, so that no read can outlast the time limit. */
    private static Result run(List<String> command) throws IOException {
        Path out = Files.createTempFile("kubectl", ".out");
        Path err = Files.createTempFile("kubectl", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
