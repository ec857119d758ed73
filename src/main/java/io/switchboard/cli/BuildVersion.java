package io.switchboard.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine;

/**
 * What {@code --version} prints: the build's version (Spring Boot's build-info) and the git
 * commit it was built from (git-commit-id's git.properties), read from the jar without Spring.
 */
public final class BuildVersion implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] { line() };
    }

    /** {@code switchboard 0.1.0, commit 1a5fee3 (2026-11-27T20:22:06Z)}, with what is unknown said so. */
    public static String line() {
        Properties build = load("META-INF/build-info.properties");
        Properties git = load("git.properties");
        String version = build.getProperty("build.version", "(version unknown)");
        String commit = git.getProperty("git.commit.id.abbrev");
        String time = git.getProperty("git.commit.time");
        String dirty = Boolean.parseBoolean(git.getProperty("git.dirty")) ? ", with uncommitted changes" : "";
        return "switchboard " + version + ", "
                + ((commit != null) ? "commit " + commit + ((time != null) ? " (" + time + ")" : "") + dirty
                        : "commit unknown (built without its git repository)")
                + "; Java " + Runtime.version();
    }

    private static Properties load(String resource) {
        Properties properties = new Properties();
        try (InputStream in = BuildVersion.class.getClassLoader().getResourceAsStream(resource)) {
            if (in != null) {
                properties.load(in);
            }
        }
        catch (IOException ex) {
            // Unreadable is unknown.
        }
        return properties;
    }
}
