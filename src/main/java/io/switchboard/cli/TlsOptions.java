package io.switchboard.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.switchboard.client.ClientTls;
import io.switchboard.client.TlsFiles;

/**
 * The TLS options of {@code client} and {@code bench}: {@code --tls}, whom to trust, and the
 * certificate to present to a server that asks for one. Any {@code --tls-*} option turns TLS on.
 */
public final class TlsOptions {

    @Spec(Spec.Target.MIXEE)
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--tls", description = "connect with TLS (any --tls-* option implies it)")
    private boolean tls;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "PEM file of the CA certificates to trust (default: the JDK's trusted CAs)")
    private @Nullable Path ca;

    @Option(names = "--tls-truststore", paramLabel = "FILE", description = "a PKCS#12 or JKS trust store instead")
    private @Nullable Path trustStore;

    @Option(names = "--tls-truststore-password", paramLabel = "PASSWORD", description = "its password, if it has one")
    private @Nullable String trustStorePassword;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM file of this client's certificate (then its chain), for a server that asks")
    private @Nullable Path certificate;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM file of its private key (PKCS#8)")
    private @Nullable Path key;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "a PKCS#12 or JKS key store with this client's key and certificate instead")
    private @Nullable Path keyStore;

    @Option(names = "--tls-keystore-password", paramLabel = "PASSWORD", description = "its password (and the key's)")
    private @Nullable String keyStorePassword;

    @Option(names = "--tls-server-name", paramLabel = "NAME",
            description = "the name the server's certificate must carry (default: HOST)")
    private @Nullable String serverName;

    /** Whether TLS was asked for. */
    public boolean enabled() {
        return this.tls || this.ca != null || this.trustStore != null || this.certificate != null || this.key != null
                || this.keyStore != null || this.serverName != null;
    }

    /**
     * The TLS settings of these options, or null without TLS.
     * @throws CommandLine.ParameterException for options that do not go together
     * @throws IOException when a file cannot be read
     */
    public @Nullable ClientTls clientTls() throws IOException {
        if (!enabled()) {
            return null;
        }
        TlsFiles files;
        try {
            files = new TlsFiles(this.ca, this.trustStore, chars(this.trustStorePassword), this.certificate, this.key,
                    this.keyStore, chars(this.keyStorePassword));
        }
        catch (IllegalArgumentException ex) {
            throw new CommandLine.ParameterException(this.spec.commandLine(), "TLS options: " + ex.getMessage());
        }
        ClientTls tls;
        try {
            tls = ClientTls.of(files.context());
        }
        catch (GeneralSecurityException ex) {
            throw new IOException("TLS material: " + ex.getMessage(), ex);
        }
        return (this.serverName != null) ? tls.serverName(this.serverName) : tls;
    }

    private static char @Nullable [] chars(@Nullable String password) {
        return (password != null) ? password.toCharArray() : null;
    }
}
