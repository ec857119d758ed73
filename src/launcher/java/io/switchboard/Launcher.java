package io.switchboard;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;

/**
 * The jar's start class. It is compiled for Java 8 (src/launcher, see server.pom.xml), so that a
 * {@code java} older than the build's can load it and say so in words, where loading the
 * application itself fails with a bare {@code UnsupportedClassVersionError}. The Java the
 * application needs is read from its own class file, so it cannot drift from the build.
 * (Spring Boot's launcher, which loads this class, itself needs Java 17: an older {@code java}
 * still fails before this class runs.)
 */
public final class Launcher {

    private static final String APPLICATION = "io.switchboard.SwitchboardApplication";

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        int required = requiredJava();
        int running = runningJava();
        if (running < required) {
            System.err.println("Switchboard needs Java " + required + " or later, and this is Java " + running + " ("
                    + System.getProperty("java.home") + "). Run it with a Java " + required + ": put its bin/ first on"
                    + " the PATH, or call it by its path, e.g. /usr/lib/jvm/temurin-" + required
                    + "-jdk-amd64/bin/java -jar switchboard.jar ('java -version' says which one 'java' is).");
            System.exit(1);
        }
        try {
            Class.forName(APPLICATION).getMethod("main", String[].class).invoke(null, (Object) args);
        }
        catch (InvocationTargetException ex) {
            throw ex.getCause();
        }
    }

    /** The Java feature release the application's classes were compiled for: class file major version - 44. */
    static int requiredJava() throws IOException {
        InputStream in = Launcher.class.getClassLoader().getResourceAsStream(APPLICATION.replace('.', '/') + ".class");
        if (in == null) {
            throw new IOException(APPLICATION + " is not in the jar");
        }
        try (DataInputStream data = new DataInputStream(in)) {
            data.readInt(); // 0xCAFEBABE
            data.readUnsignedShort(); // minor version
            return data.readUnsignedShort() - 44;
        }
    }

    /** 8 for "1.8", 17 for "17". */
    static int runningJava() {
        String version = System.getProperty("java.specification.version");
        if (version.startsWith("1.")) {
            version = version.substring(2);
        }
        return Integer.parseInt(version);
    }
}
