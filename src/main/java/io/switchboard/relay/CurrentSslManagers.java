package io.switchboard.relay;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;

/**
 * Key and trust managers that delegate to those of the SSL bundle's current version, so that one
 * {@code SSLContext}, built once at start, takes a reloaded bundle's key, certificate and trust
 * material from its next handshake on, and connections already open keep their sessions.
 *
 * <p>A handshake asks the key manager for an alias, then for that alias's certificate chain and
 * key, in separate calls: a reload between them must not pair one version's certificate with
 * another's key. So the aliases handed out name their version ({@code 2/ssl}), and the version
 * before the current one stays reachable for a handshake that chose its alias just before a
 * reload.
 *
 * <p>Threading: handshakes (the connections' reader threads) read the current version through a
 * volatile field; {@link #update} runs on Spring Boot's file watcher thread.
 */
final class CurrentSslManagers {

    /** One version of the bundle's managers; {@code number} counts reloads from 1. */
    record Version(int number, X509ExtendedKeyManager keys, X509ExtendedTrustManager trust, long sinceMillis) {
    }

    private volatile Version current;
    private volatile Version previous;

    CurrentSslManagers(SslBundle bundle) {
        this.current = version(1, bundle);
        this.previous = this.current;
    }

    /**
     * The managers of {@code bundle} as the next version, not yet in use.
     * @throws IllegalArgumentException when the bundle has no X.509 key or trust manager
     */
    Version next(SslBundle bundle) {
        return version(this.current.number() + 1, bundle);
    }

    /** Makes {@code next} the current version: every handshake that starts from now on uses it. */
    synchronized void install(Version next) {
        this.previous = this.current;
        this.current = next;
    }

    Version current() {
        return this.current;
    }

    /** The key manager to build the context with: it always answers from the current version. */
    KeyManager[] keyManagers() {
        return new KeyManager[] { new Keys() };
    }

    /** The trust manager to build the context with: it always answers from the current version. */
    TrustManager[] trustManagers() {
        return new TrustManager[] { new Trust() };
    }

    private static Version version(int number, SslBundle bundle) {
        return new Version(number, only(X509ExtendedKeyManager.class, bundle.getManagers().getKeyManagers()),
                only(X509ExtendedTrustManager.class, bundle.getManagers().getTrustManagers()),
                System.currentTimeMillis());
    }

    private static <T> T only(Class<T> type, Object[] managers) {
        for (Object manager : managers) {
            if (type.isInstance(manager)) {
                return type.cast(manager);
            }
        }
        throw new IllegalArgumentException("switchboard.tcp.ssl.bundle has no " + type.getSimpleName()
                + " among its managers");
    }

    private @Nullable X509ExtendedKeyManager keysOf(@Nullable String alias) {
        if (alias == null) {
            return null;
        }
        int slash = alias.indexOf('/');
        if (slash <= 0) {
            return null;
        }
        int number;
        try {
            number = Integer.parseInt(alias, 0, slash, 10);
        }
        catch (NumberFormatException ex) {
            return null;
        }
        Version current = this.current;
        if (current.number() == number) {
            return current.keys();
        }
        Version previous = this.previous;
        return (previous.number() == number) ? previous.keys() : null;
    }

    private static @Nullable String named(Version version, @Nullable String alias) {
        return (alias == null) ? null : version.number() + "/" + alias;
    }

    private static String @Nullable [] named(Version version, String @Nullable [] aliases) {
        if (aliases == null) {
            return null;
        }
        String[] named = new String[aliases.length];
        for (int i = 0; i < aliases.length; i++) {
            named[i] = named(version, aliases[i]);
        }
        return named;
    }

    private static String unnamed(String alias) {
        return alias.substring(alias.indexOf('/') + 1);
    }

    private final class Keys extends X509ExtendedKeyManager {

        @Override
        public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
            Version version = CurrentSslManagers.this.current;
            return named(version, version.keys().getServerAliases(keyType, issuers));
        }

        @Override
        public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
            Version version = CurrentSslManagers.this.current;
            return named(version, version.keys().chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public @Nullable String chooseEngineServerAlias(String keyType, Principal @Nullable [] issuers,
                @Nullable SSLEngine engine) {
            Version version = CurrentSslManagers.this.current;
            return named(version, version.keys().chooseEngineServerAlias(keyType, issuers, engine));
        }

        @Override
        public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
            Version version = CurrentSslManagers.this.current;
            return named(version, version.keys().getClientAliases(keyType, issuers));
        }

        @Override
        public @Nullable String chooseClientAlias(String[] keyTypes, Principal @Nullable [] issuers,
                @Nullable Socket socket) {
            Version version = CurrentSslManagers.this.current;
            return named(version, version.keys().chooseClientAlias(keyTypes, issuers, socket));
        }

        @Override
        public @Nullable String chooseEngineClientAlias(String[] keyTypes, Principal @Nullable [] issuers,
                @Nullable SSLEngine engine) {
            Version version = CurrentSslManagers.this.current;
            return named(version, version.keys().chooseEngineClientAlias(keyTypes, issuers, engine));
        }

        @Override
        public X509Certificate @Nullable [] getCertificateChain(String alias) {
            X509ExtendedKeyManager keys = keysOf(alias);
            return (keys != null) ? keys.getCertificateChain(unnamed(alias)) : null;
        }

        @Override
        public @Nullable PrivateKey getPrivateKey(String alias) {
            X509ExtendedKeyManager keys = keysOf(alias);
            return (keys != null) ? keys.getPrivateKey(unnamed(alias)) : null;
        }
    }

    private final class Trust extends X509ExtendedTrustManager {

        private X509ExtendedTrustManager trust() {
            return CurrentSslManagers.this.current.trust();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            trust().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            trust().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            trust().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            trust().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            trust().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            trust().checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust().getAcceptedIssuers();
        }
    }
}
