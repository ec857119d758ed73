package io.switchboard.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;

/** The project's own build files, read as the build reads them. */
final class ProjectFiles {

    /** Maven runs the tests in the project's directory. */
    static final Path ROOT = Path.of("").toAbsolutePath();

    private ProjectFiles() {
    }

    static List<String> lines(String file) {
        try {
            return Files.readAllLines(ROOT.resolve(file));
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot read " + file, ex);
        }
    }

    /** The Maven command CI runs: the one line of .ci/run that starts the wrapper. */
    static String ciBuildCommand() {
        List<String> commands = lines(".ci/run").stream().map(String::strip).filter((line) -> line.startsWith("./mvnw")).toList();
        if (commands.size() != 1) {
            throw new AssertionError(".ci/run should run ./mvnw exactly once, found " + commands);
        }
        return commands.getFirst();
    }

    /**
     * The server's POM. The top-level pom.xml only lists the modules (the client's and this one),
     * so the server's build settings live beside it.
     */
    static final String SERVER_POM = "server.pom.xml";

    /** The Java release the project is compiled for (the server POM's java.version). */
    static String javaVersion() {
        return pomValue("/project/properties/java.version");
    }

    /** The name of the jar the build makes in target/. */
    static String jarName() {
        return pomValue("/project/build/finalName") + ".jar";
    }

    private static String pomValue(String xpath) {
        try {
            Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve(SERVER_POM).toFile());
            String value = javax.xml.xpath.XPathFactory.newInstance().newXPath().evaluate(xpath, pom).strip();
            if (value.isEmpty()) {
                throw new AssertionError(SERVER_POM + " has no " + xpath);
            }
            return value;
        }
        catch (Exception ex) {
            throw new IllegalStateException("cannot read " + SERVER_POM, ex);
        }
    }

    /** A command's exit status and everything it wrote. */
    record Result(int exit, String output) {
    }

    /**
     * Runs {@code command} in {@code directory} with {@code environment} added, its output kept in
     * a file under {@code work}; fails after 120 s.
     */
    static Result run(List<String> command, Path directory, Path work, Map<String, String> environment)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile(work, "command", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 120 s:\n" + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output));
    }
}
