package io.switchboard.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.integration.ip.tcp.connection.TcpSocketFactorySupport;

/**
 * TLS on the relay port (PROTOCOL.md section 7), from the Spring Boot SSL bundle that
 * {@code switchboard.tcp.ssl.bundle} names: one {@code SSLContext}, built at start around
 * {@link CurrentSslManagers}, so that when the bundle is reloaded ({@code reload-on-update}) new
 * handshakes use its new key, certificate and trust material while open sessions go on.
 *
 * <p>Each accepted TCP connection gets a server-mode TLS session layered over it
 * ({@link #layer}), which does no I/O: the handshake runs on the connection's own reader thread
 * ({@link TlsTransport#handshake}), so a client that never completes it holds up only that
 * thread, until the handshake timeout closes it. TLS 1.3 and 1.2 only (those of them that the
 * bundle's {@code options.enabled-protocols} allow), no host name check of the client (Spring
 * Integration's server sockets would ask for one, which fails every client certificate), and
 * the client certificate asked for as {@code switchboard.tcp.ssl.client-auth} says.
 */
public final class RelayTls implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(RelayTls.class);

    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The JDK's switch, read once when its first server handshake starts. */
    static final String REJECT_CLIENT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    static {
        // A TLS 1.2 client may ask for a new handshake at any time after the first, and each
        // costs the server a signature, with no deadline: a cheap way to burn the relay's CPU.
        // Refused unless the operator has set the JDK's switch otherwise (it is JVM-wide).
        if (System.getProperty(REJECT_CLIENT_RENEGOTIATION) == null) {
            System.setProperty(REJECT_CLIENT_RENEGOTIATION, "true");
        }
    }
    private static final String[] KEY_TYPES = { "EC", "RSA", "RSASSA-PSS", "EdDSA", "Ed25519", "Ed448" };

    private final String bundleName;
    private final CurrentSslManagers managers;
    private final SSLContext context;
    /** Shared by every session and never changed after start: setSSLParameters copies it. */
    private final SSLParameters parameters;
    private final long handshakeTimeoutMillis;
    /** Closes the connections whose handshake has run out of time; one thread for all. */
    private final ScheduledThreadPoolExecutor deadlines;
    private final Counter timedOut;
    private final Counter failed;

    private RelayTls(String bundleName, CurrentSslManagers managers, SSLContext context, SSLParameters parameters,
            long handshakeTimeoutMillis, MeterRegistry meters) {
        this.bundleName = bundleName;
        this.managers = managers;
        this.context = context;
        this.parameters = parameters;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.deadlines = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("tls-handshake-deadlines").factory());
        this.deadlines.setRemoveOnCancelPolicy(true);
        this.timedOut = handshakeFailures(meters, "timeout");
        this.failed = handshakeFailures(meters, "failed");
    }

    private static Counter handshakeFailures(MeterRegistry meters, String reason) {
        return Counter.builder("switchboard.tls.handshake.failures")
                .description("Connections closed without an ID because their TLS handshake failed or did not complete "
                        + "within switchboard.tcp.ssl.handshake-timeout")
                .tag("reason", reason).register(meters);
    }

    /**
     * Sets TLS up from the bundle {@code ssl} names, and follows its reloads.
     * @throws IllegalArgumentException naming {@code switchboard.tcp.ssl.bundle} when there is no
     *         such bundle, or it has no key and certificate, or it allows neither TLS 1.3 nor 1.2
     */
    static RelayTls start(RelayProperties.Ssl ssl, SslBundles bundles, MeterRegistry meters) {
        String name = ssl.bundle();
        if (name == null) {
            throw new IllegalStateException("switchboard.tcp.ssl.bundle is not set");
        }
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(name);
        }
        catch (NoSuchSslBundleException ex) {
            throw new IllegalArgumentException("switchboard.tcp.ssl.bundle names no SSL bundle: define "
                    + "spring.ssl.bundle.pem." + name + ".* or spring.ssl.bundle.jks." + name + ".* (bundles defined: "
                    + (bundles.getBundleNames().isEmpty() ? "none" : String.join(", ", bundles.getBundleNames())) + ")",
                    ex);
        }
        CurrentSslManagers managers = new CurrentSslManagers(bundle);
        X509Certificate certificate = certificate(managers.current());
        if (certificate == null) {
            throw new IllegalArgumentException("switchboard.tcp.ssl.bundle names bundle '" + name
                    + "', which has no private key with a certificate: give it a keystore");
        }
        SSLContext context;
        try {
            context = SSLContext.getInstance(bundle.getProtocol());
            context.init(managers.keyManagers(), managers.trustManagers(), null);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("switchboard.tcp.ssl.bundle names bundle '" + name
                    + "', whose protocol " + bundle.getProtocol() + " cannot make a context: " + ex.getMessage(), ex);
        }
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(protocols(name, bundle));
        if (bundle.getOptions().getCiphers() != null) {
            parameters.setCipherSuites(bundle.getOptions().getCiphers());
        }
        switch (ssl.clientAuth()) {
            case NEED -> parameters.setNeedClientAuth(true);
            case WANT -> parameters.setWantClientAuth(true);
            case NONE -> parameters.setNeedClientAuth(false);
        }
        parameters.setEndpointIdentificationAlgorithm(null);
        RelayTls tls = new RelayTls(name, managers, context, parameters, ssl.handshakeTimeout().toMillis(), meters);
        bundles.addBundleUpdateHandler(name, tls::reloaded);
        logger.info("Relay speaks TLS (" + String.join(", ", parameters.getProtocols()) + ") with SSL bundle '" + name
                + "', client-auth " + ssl.clientAuth().name().toLowerCase(java.util.Locale.ROOT) + ": certificate "
                + describe(certificate));
        return tls;
    }

    private static String[] protocols(String name, SslBundle bundle) {
        String[] enabled = bundle.getOptions().getEnabledProtocols();
        if (enabled == null) {
            return PROTOCOLS.toArray(String[]::new);
        }
        List<String> allowed = new ArrayList<>(PROTOCOLS);
        allowed.retainAll(Arrays.asList(enabled));
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("switchboard.tcp.ssl.bundle names bundle '" + name
                    + "', whose options.enabled-protocols " + Arrays.toString(enabled)
                    + " allow neither TLSv1.3 nor TLSv1.2, the relay's protocols");
        }
        return allowed.toArray(String[]::new);
    }

    /**
     * The bundle was reloaded (on Spring Boot's file watcher thread): new handshakes use it, unless
     * it has no key and certificate, which would fail every handshake.
     */
    private void reloaded(SslBundle bundle) {
        try {
            CurrentSslManagers.Version next = this.managers.next(bundle);
            X509Certificate certificate = certificate(next);
            if (certificate == null) {
                throw new IllegalArgumentException("it has no private key with a certificate");
            }
            this.managers.install(next);
            logger.info("SSL bundle '" + this.bundleName + "' reloaded: new TLS handshakes on the relay port use "
                    + "certificate " + describe(certificate));
        }
        catch (RuntimeException ex) {
            logger.warn("SSL bundle '" + this.bundleName + "' was reloaded but cannot be used, so the relay goes on "
                    + "with the previous one: " + ex.getMessage());
        }
    }

    private static @Nullable X509Certificate certificate(CurrentSslManagers.Version version) {
        for (String type : KEY_TYPES) {
            String[] aliases = version.keys().getServerAliases(type, null);
            if (aliases != null && aliases.length > 0) {
                X509Certificate[] chain = version.keys().getCertificateChain(aliases[0]);
                if (chain != null && chain.length > 0) {
                    return chain[0];
                }
            }
        }
        return null;
    }

    private static String describe(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName() + " (valid until " + certificate.getNotAfter().toInstant()
                + ")";
    }

    /** The relay's server sockets under TLS. */
    TcpSocketFactorySupport socketFactorySupport() {
        return new TransportSocketFactorySupport();
    }

    /**
     * Layers a server-mode TLS session over a connection just accepted. No I/O: the handshake
     * is left to the connection's reader thread. Called on the accepting thread.
     */
    TlsTransport layer(Socket accepted) {
        if (accepted instanceof SSLSocket) {
            throw new IllegalStateException("a TLS connection must be accepted as plain TCP, from "
                    + TransportSocketFactorySupport.class.getSimpleName());
        }
        try {
            SSLSocket socket = (SSLSocket) this.context.getSocketFactory().createSocket(accepted, null, true);
            socket.setSSLParameters(this.parameters);
            return new TlsTransport(this, accepted, socket);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    int handshakeTimeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, this.handshakeTimeoutMillis);
    }

    ScheduledFuture<?> atHandshakeDeadline(Runnable action) {
        return this.deadlines.schedule(action, this.handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * A session resumed from one made before the last reload proved its client certificate to
     * the trust material of then: it is checked again against the current one.
     */
    void checkResumed(SSLSession session) throws SSLHandshakeException {
        CurrentSslManagers.Version current = this.managers.current();
        if (session.getCreationTime() >= current.sinceMillis()) {
            return;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        }
        catch (SSLPeerUnverifiedException ex) {
            return;
        }
        X509Certificate[] certificates = Arrays.copyOf(chain, chain.length, X509Certificate[].class);
        try {
            current.trust().checkClientTrusted(certificates, certificates[0].getPublicKey().getAlgorithm());
        }
        catch (CertificateException ex) {
            session.invalidate();
            throw new SSLHandshakeException("a session resumed from before the trust material was reloaded, whose "
                    + "client certificate is not trusted now: " + ex.getMessage());
        }
    }

    /** A handshake failed, or ran out of time: counted, and logged at DEBUG (clients must not fill the log). */
    void handshakeFailed(Socket transport, boolean late, IOException cause) {
        (late ? this.timedOut : this.failed).increment();
        if (logger.isDebugEnabled()) {
            logger.debug("TLS handshake with " + transport.getRemoteSocketAddress()
                    + (late ? " not done within " + this.handshakeTimeoutMillis + " ms" : " failed") + ": " + cause);
        }
    }

    @Override
    public void close() {
        this.deadlines.shutdownNow();
    }
}
