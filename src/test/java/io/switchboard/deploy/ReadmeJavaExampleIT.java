package io.switchboard.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.w3c.dom.Document;

import io.switchboard.deploy.ProjectFiles.Result;
import io.switchboard.relay.RelayEndpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's Java example, as a reader would use it: the client module's jar and its own POM
 * installed in a local Maven repository of their own, a project whose only dependency is the
 * README's {@code <dependency>} snippet, the example compiled there by Maven (offline) and run
 * with nothing on its class path but its own classes and that one jar, against a real server.
 * The README says what it prints as a new server's first client and as its second.
 *
 * <p>Runs after package, on the jar of the client module built before the server in the same
 * {@code ./mvnw -B verify}. CI runs nothing else, so the test installs the jar itself, as
 * {@code mvn install} lays it out. The nested build runs offline on the local repository of the
 * outer one (a read-only tail behind the temporary one): it needs only the plugins the outer build
 * has already used.
 */
// Properties of its own, so that no other test class shares (and first connects to) this server.
@SpringBootTest(properties = { "switchboard.tcp.port=0", "switchboard.admin.password=readme-java-example" })
class ReadmeJavaExampleIT {

    /** Of the client module, which the example depends on. */
    private static final Path CLIENT = ProjectFiles.ROOT.resolve("client");

    @Autowired
    RelayEndpoint relay;

    @TempDir
    Path work;

    @Test
    void theExampleCompilesAgainstTheInstalledClientAndRunsAsTheReadmeSays() throws Exception {
        String readme = String.join("\n", ProjectFiles.lines("README.md"));
        String dependency = codeBlock(readme, "xml", "<artifactId>switchboard-client</artifactId>");
        String example = codeBlock(readme, "java", "SwitchboardClient.connect(");

        Document clientPom = xml(CLIENT.resolve("pom.xml"));
        XPath xpath = XPathFactory.newInstance().newXPath();
        String groupId = xpath.evaluate("/project/groupId", clientPom);
        String artifactId = xpath.evaluate("/project/artifactId", clientPom);
        String version = xpath.evaluate("/project/version", clientPom);
        assertThat(dependency).as("the README's <dependency>")
                .contains("<groupId>" + groupId + "</groupId>", "<artifactId>" + artifactId + "</artifactId>",
                        "<version>" + version + "</version>");
        // What an application resolves with the jar: no parent POM, and no dependency it must take.
        assertThat(xpath.evaluate("count(/project/parent)", clientPom)).isEqualTo("0");
        assertThat(xpath.evaluate("count(/project/dependencies/dependency[not(scope='test') and not(optional='true')])",
                clientPom)).isEqualTo("0");

        Path jar = CLIENT.resolve("target").resolve(artifactId + "-" + version + ".jar");
        assertThat(jar).as("the client module's jar (./mvnw -B verify builds it before the server)").isRegularFile();
        Path repository = this.work.resolve("repository");
        Path installed = repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version);
        Files.createDirectories(installed);
        Path installedJar = Files.copy(jar, installed.resolve(artifactId + "-" + version + ".jar"));
        Files.copy(CLIENT.resolve("pom.xml"), installed.resolve(artifactId + "-" + version + ".pom"),
                StandardCopyOption.REPLACE_EXISTING);

        Matcher className = Pattern.compile("public class (\\w+)").matcher(example);
        assertThat(className.find()).as("the example is a whole class").isTrue();
        assertThat(example).as("the example's server").containsOnlyOnce("\"127.0.0.1\", 7070");
        Path project = this.work.resolve("example");
        Path source = project.resolve("src/main/java").resolve(className.group(1) + ".java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, example.replace("\"127.0.0.1\", 7070", "\"127.0.0.1\", " + port()));
        Files.writeString(project.resolve("pom.xml"), consumerPom(dependency));

        Result build = run(List.of(ProjectFiles.ROOT.resolve("mvnw").toString(), "-B", "-q", "-o",
                "-Dmaven.repo.local=" + repository, "-Dmaven.repo.local.tail=" + outerRepository(), "compile"), project);
        assertThat(build.exit()).as("the example's build:%n%s", build.output()).isZero();

        List<String> runExample = List.of(javaHome().resolve("bin/java").toString(), "-cp",
                project.resolve("target/classes") + File.pathSeparator + installedJar, className.group(1));
        Result first = run(runExample, project);
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output().strip()).isEqualTo("message 1 to 2 not delivered: unknown destination");
        Result second = run(runExample, project);
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(second.output().strip()).isEqualTo("2: hello");
    }

    private int port() {
        await().until(this.relay::isListening);
        return this.relay.port();
    }

    /** The one code block of {@code language} that holds {@code marker}, without its fences. */
    static String codeBlock(String markdown, String language, String marker) {
        Matcher blocks = Pattern.compile("(?ms)^```" + language + "\\n(.*?)^```$").matcher(markdown);
        List<String> found = new ArrayList<>();
        while (blocks.find()) {
            if (blocks.group(1).contains(marker)) {
                found.add(blocks.group(1));
            }
        }
        assertThat(found).as("```%s blocks with %s in the README", language, marker).hasSize(1);
        return found.getFirst();
    }

    /** The application of a README reader: the snippet as its one dependency, Java 25. */
    private static String consumerPom(String dependency) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                    <modelVersion>4.0.0</modelVersion>
                    <groupId>example</groupId>
                    <artifactId>readme-example</artifactId>
                    <version>1</version>
                    <properties>
                        <maven.compiler.release>25</maven.compiler.release>
                        <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    </properties>
                    <dependencies>
                %s
                    </dependencies>
                    <build>
                        <plugins>
                            <!-- The versions the outer build has used, so that they are in its repository. -->
                            <plugin>
                                <groupId>org.apache.maven.plugins</groupId>
                                <artifactId>maven-resources-plugin</artifactId>
                                <version>3.3.1</version>
                            </plugin>
                            <plugin>
                                <groupId>org.apache.maven.plugins</groupId>
                                <artifactId>maven-compiler-plugin</artifactId>
                                <version>3.14.1</version>
                            </plugin>
                        </plugins>
                    </build>
                </project>
                """.formatted(dependency.indent(8).stripTrailing());
    }

    /** The local repository of the build that runs this test (failsafe passes it), else the default. */
    private static Path outerRepository() {
        String configured = System.getProperty("switchboard.test.maven.repo.local");
        return (configured != null && !configured.isBlank()) ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** The JDK running the tests (25, as the toolchain picks it), for the nested Maven and the example. */
    private static Path javaHome() {
        return Path.of(System.getProperty("java.home"));
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private Result run(List<String> command, Path directory) throws IOException, InterruptedException {
        // A build of one class: Maven starts faster without the optimising compiler.
        return ProjectFiles.run(command, directory, this.work,
                Map.of("JAVA_HOME", javaHome().toString(), "MAVEN_OPTS", "-XX:TieredStopAtLevel=1"));
    }
}
