package io.switchboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code java -jar switchboard.jar} with a Java older than the build's (17, this machine's
 * default {@code java}) says so in one paragraph and exits 1, rather than failing with a bare
 * UnsupportedClassVersionError. After package: it runs the jar the build made.
 */
class OldJavaIT {

    private static final Path JAR = Path.of("target", "switchboard.jar");

    @Test
    void anOlderJavaIsToldWhichJavaToUse() throws Exception {
        assertThat(JAR).as("the jar the package phase makes").isRegularFile();
        Optional<Path> old = olderJava();
        assumeTrue(old.isPresent(), "no JDK from 17 to 24 under /usr/lib/jvm: nothing older than the build's to run it with");
        Process process = new ProcessBuilder(old.get().toString(), "-jar", JAR.toString(), "--version")
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output).startsWith("Switchboard needs Java 25 or later, and this is Java ")
                .doesNotContain("UnsupportedClassVersionError").doesNotContain("\tat ");
        assertThat(output.lines()).hasSize(1);
    }

    @Test
    void theBuildsJavaRunsTheApplication() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(java, "-jar", JAR.toString(), "--version").redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).startsWith("switchboard ");
    }

    /** A JDK from 17 (what Spring Boot's own launcher needs) to 24, by its release file. */
    private static Optional<Path> olderJava() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        Pattern version = Pattern.compile("JAVA_VERSION=\"(\\d+)");
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : homes.sorted().toList()) {
                Path release = home.resolve("release");
                Path java = home.resolve("bin").resolve("java");
                if (!Files.isRegularFile(release) || !Files.isExecutable(java)) {
                    continue;
                }
                for (String line : List.of(Files.readString(release).split("\n"))) {
                    Matcher matcher = version.matcher(line);
                    if (matcher.find()) {
                        int feature = Integer.parseInt(matcher.group(1));
                        if (feature >= 17 && feature < 25) {
                            return Optional.of(java);
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
