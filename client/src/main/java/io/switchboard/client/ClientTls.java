package io.switchboard.client;

import java.io.IOException;
import java.net.Socket;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

/**
 * TLS for a connection to a server whose relay port speaks it (PROTOCOL.md section 7): the
 * {@link SSLContext} that says whom to trust and, for a server that asks, which certificate to
 * present ({@link TlsFiles} makes one from files), and the name the server's certificate must
 * carry, by default the host connected to. The server's name is always checked.
 *
 * <pre>{@code
 * SSLContext context = TlsFiles.trusting(Path.of("ca.crt")); // trust one CA
 * try (SwitchboardClient client = SwitchboardClient.builder("relay.example.com", 7070)
 *         .tls(ClientTls.of(context)).connect()) { ... }
 * }</pre>
 */
public final class ClientTls {

    private final SSLContext context;
    private final @Nullable String serverName;

    private ClientTls(SSLContext context, @Nullable String serverName) {
        this.context = context;
        this.serverName = serverName;
    }

    /** TLS with {@code context}'s trust and key material. */
    public static ClientTls of(SSLContext context) {
        return new ClientTls(Objects.requireNonNull(context, "context"), null);
    }

    /** TLS trusting the certificate authorities the JDK trusts, presenting no certificate. */
    public static ClientTls systemDefault() {
        try {
            return of(SSLContext.getDefault());
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("this JDK has no default TLS context", ex);
        }
    }

    /**
     * The name the server's certificate must carry, and that is sent to it (SNI), when it is not
     * the host connected to: a server reached by its IP address with a certificate for its DNS
     * name, say.
     */
    public ClientTls serverName(String name) {
        return new ClientTls(this.context, Objects.requireNonNull(name, "name"));
    }

    /**
     * Layers a client-mode TLS session over a connected socket, for a client of one's own; the
     * handshake is the caller's. Closing the session closes the socket.
     * @param host the host connected to: the name checked, unless {@link #serverName} gave one
     */
    public SSLSocket layer(Socket connected, String host, int port) throws IOException {
        String name = (this.serverName != null) ? this.serverName : host;
        SSLSocket socket = (SSLSocket) this.context.getSocketFactory().createSocket(connected, name, port, true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (this.serverName != null && !isIpLiteral(this.serverName)) {
            parameters.setServerNames(List.of(new SNIHostName(this.serverName)));
        }
        socket.setSSLParameters(parameters);
        return socket;
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }
}
