package io.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.jspecify.annotations.Nullable;

import org.springframework.util.FileSystemUtils;

/**
 * A relay's TLS material, made at test time in a directory of its own: a CA, the server's
 * certificate and key, and the CA file the bundle trusts (for client certificates), as the
 * properties of a PEM SSL bundle. Another CA, which the relay does not trust, issues the
 * certificates of strangers.
 */
public final class TlsFixture implements AutoCloseable {

    public final TestCa ca = TestCa.create("Switchboard Test CA");
    public final TestCa stranger = TestCa.create("Stranger CA");
    public final Path directory;
    public final Path serverCertificate;
    public final Path serverKey;
    public final Path trustedCa;
    private volatile TestCa.Credential server;

    private TlsFixture(Path directory) {
        this.directory = directory;
        this.serverCertificate = directory.resolve("tls.crt");
        this.serverKey = directory.resolve("tls.key");
        this.trustedCa = directory.resolve("ca.crt");
        this.server = this.ca.server("relay");
        this.server.write(this.serverCertificate, this.serverKey);
        this.ca.writeCertificate(this.trustedCa);
    }

    public static TlsFixture create() {
        try {
            return new TlsFixture(Files.createTempDirectory("switchboard-tls"));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The server's certificate now on disk. */
    public X509Certificate serverCertificate() {
        return this.server.certificate();
    }

    /** Replaces the server's certificate and key on disk, as a rotation does. */
    public void rotateServer(TestCa.Credential next) {
        next.write(this.serverCertificate, this.serverKey);
        this.server = next;
    }

    /**
     * The properties of a PEM bundle named {@code bundle} over these files.
     * @param reload whether the bundle is reloaded when they change
     */
    public Map<String, String> bundleProperties(String bundle, boolean reload) {
        String prefix = "spring.ssl.bundle.pem." + bundle + ".";
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(prefix + "keystore.certificate", "file:" + this.serverCertificate);
        properties.put(prefix + "keystore.private-key", "file:" + this.serverKey);
        properties.put(prefix + "truststore.certificate", "file:" + this.trustedCa);
        if (reload) {
            properties.put(prefix + "reload-on-update", "true");
        }
        return properties;
    }

    /** A client context that trusts this CA, with {@code identity}'s certificate when given. */
    public SSLContext client(TestCa.@Nullable Credential identity) {
        return TestCa.clientContext(identity, this.ca.certificate());
    }

    /** Deletes the files when the JVM exits rather than at {@link #close}. */
    public TlsFixture deletedAtExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "tls-fixture-cleanup"));
        return this;
    }

    @Override
    public void close() {
        try {
            FileSystemUtils.deleteRecursively(this.directory);
        }
        catch (IOException ex) {
            // A temporary directory: the system cleans it up eventually.
        }
    }
}
