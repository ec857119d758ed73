package io.switchboard.deploy;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import org.springframework.boot.json.JsonParserFactory;

import io.switchboard.Commands;
import io.switchboard.cli.HostPort;
import io.switchboard.cli.TokenCommand;
import io.switchboard.cli.bench.BenchCommand;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README tells the truth a reader can check from a clone: no paths outside the repository,
 * the Kubernetes snippet names the manifests' Secret, every prerequisite is named, and every
 * {@code java -jar} command it shows is one the jar takes (known settings, known subcommands,
 * options that parse).
 */
class ReadmeTest {

    private static final String JAR = "java -jar target/switchboard.jar";

    private final String readme = String.join("\n", ProjectFiles.lines("README.md"));

    @Test
    void namesNoPathOutsideTheRepository() {
        assertThat(this.readme).doesNotContain("../shared").doesNotContain("](../");
    }

    @Test
    void theKubernetesSnippetNamesTheSecretOfTheManifests() {
        Manifests manifests = Manifests.render("single");
        Matcher references = Pattern.compile("secretKeyRef: \\{name: ([\\w-]+), key: ([\\w-]+)}").matcher(this.readme);
        int found = 0;
        while (references.find()) {
            found++;
            assertThat(manifests.secretData(references.group(1))).as(references.group()).containsKey(references.group(2));
        }
        assertThat(found).as("secretKeyRef snippets in the README").isPositive();
    }

    /** `./mvnw spring-boot:run` fails in the two-module build: the README names the profile that runs the server. */
    @Test
    void runsTheServerWithTheProfileTheBuildHas() {
        assertThat(this.readme).contains("./mvnw -Prun").doesNotContain("spring-boot:run");
        for (String pom : List.of("pom.xml", ProjectFiles.SERVER_POM)) {
            assertThat(String.join("\n", ProjectFiles.lines(pom))).as(pom).contains("<id>run</id>");
        }
    }

    @Test
    void namesEveryPrerequisite() {
        assertThat(this.readme).contains("A Java " + ProjectFiles.javaVersion() + " for `java -jar target/switchboard.jar`")
                .contains("A JDK " + ProjectFiles.javaVersion())
                .contains("`nc` (netcat)").contains("`curl`").contains("`redis-server`")
                .contains("standalone").contains("`kustomize edit`");
    }

    @Test
    void everyJarCommandIsOneTheJarTakes() {
        List<String> commands = jarCommands();
        assertThat(commands).hasSizeGreaterThan(10);
        Set<String> settings = knownSettings();
        for (String command : commands) {
            String[] args = command.isBlank() ? new String[0] : command.strip().split("\\s+");
            if (Commands.startsServer(args)) {
                for (String arg : args) {
                    String name = arg.substring(2, arg.contains("=") ? arg.indexOf('=') : arg.length());
                    if (name.startsWith("switchboard.")) {
                        assertThat(settings).as(command).contains(name);
                    }
                    assertThat(arg).as("a setting with a value: %s", command).contains("=");
                }
                continue;
            }
            switch (args[0]) {
                case "client" -> assertThat(HostPort.parse(args[1])).as(command).isNotNull();
                case "bench" -> new CommandLine(new BenchCommand(new PrintStream(PrintStream.nullOutputStream()),
                        new PrintStream(PrintStream.nullOutputStream()), false))
                        // A process ID the reader fills in: PID, the shell's $!, or a variable that holds one ($A).
                        .parseArgs(Arrays.stream(args).skip(1)
                                .map((arg) -> arg.equals("PID") || arg.equals("$!") || arg.matches("\\$[A-Z]") ? "1" : arg)
                                .toArray(String[]::new));
                case "token" -> new CommandLine(new TokenCommand(new PrintStream(PrintStream.nullOutputStream()),
                        new PrintStream(PrintStream.nullOutputStream()), Clock.systemUTC()))
                        .parseArgs(Arrays.stream(args).skip(1).toArray(String[]::new));
                case "--help", "--version", "generate-completion" -> assertThat(args).as(command).hasSize(1);
                default -> throw new AssertionError("not a command the jar takes: " + command);
            }
        }
    }

    /** The arguments of every {@code java -jar target/switchboard.jar} in the README's code blocks. */
    private List<String> jarCommands() {
        List<String> commands = new ArrayList<>();
        String joined = this.readme.replace("\\\n", " ");
        for (String line : joined.split("\n")) {
            if (!line.startsWith("    ") && !line.startsWith("\t")) {
                continue; // prose: commands there are quoted in backticks, and checked where shown as code
            }
            String[] pieces = line.split("(?=" + Pattern.quote(JAR) + ")");
            for (String piece : pieces) {
                if (!piece.strip().startsWith(JAR)) {
                    continue;
                }
                String args = piece.strip().substring(JAR.length());
                args = args.replaceAll("\\s#.*$", "").replaceAll("\\|.*$", "").replaceAll("&\\s*$", "").strip();
                commands.add(args);
            }
        }
        return commands;
    }

    private static Set<String> knownSettings() {
        try (InputStream in = ReadmeTest.class.getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the configuration processor's metadata").isNotNull();
            Map<String, Object> metadata = JsonParserFactory.getJsonParser().parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            Set<String> names = new HashSet<>();
            for (Object property : (List<?>) metadata.get("properties")) {
                names.add((String) ((Map<?, ?>) property).get("name"));
            }
            return names;
        }
        catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
