package io.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A certificate authority made at test time, with EC P-256 keys: it issues server certificates
 * for 127.0.0.1 and {@code localhost}, and client certificates with a given subject. Files are
 * PEM (certificates, and PKCS#8 keys) as Spring Boot's PEM SSL bundles and the CLI read them.
 */
public final class TestCa {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final Credential self;

    /** A key with its certificate, and the certificate of the CA that issued it. */
    public record Credential(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {

        /** Writes the certificate and the key as PEM, each replacing its file in one move. */
        public void write(Path certificateFile, Path keyFile) {
            writeAtomically(certificateFile, pem("CERTIFICATE", encoded(this.certificate)));
            writeAtomically(keyFile, pem("PRIVATE KEY", this.key.getEncoded()));
        }

        public String subject() {
            return this.certificate.getSubjectX500Principal().getName();
        }
    }

    private TestCa(Credential self) {
        this.self = self;
    }

    public static TestCa create(String commonName) {
        KeyPair keys = keyPair();
        X500Name name = x500("CN=" + commonName + ",O=Switchboard Test");
        X509Certificate certificate = sign(new JcaX509v3CertificateBuilder(name, serial(), notBefore(), notAfter(),
                name, keys.getPublic()), keys.getPrivate(), builder -> {
                    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                });
        return new TestCa(new Credential(certificate, keys.getPrivate(), certificate));
    }

    public X509Certificate certificate() {
        return this.self.certificate();
    }

    /** Writes this CA's certificate as PEM, replacing the file in one move. */
    public void writeCertificate(Path file) {
        writeAtomically(file, pem("CERTIFICATE", encoded(certificate())));
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public Credential server(String commonName) {
        return issue("CN=" + commonName + ",O=Switchboard Test", KeyPurposeId.id_kp_serverAuth, true);
    }

    /** A client certificate whose subject is {@code subject}, such as {@code CN=alice,O=Switchboard Test}. */
    public Credential client(String subject) {
        return issue(subject, KeyPurposeId.id_kp_clientAuth, false);
    }

    private Credential issue(String subject, KeyPurposeId purpose, boolean server) {
        KeyPair keys = keyPair();
        X509Certificate certificate = sign(new JcaX509v3CertificateBuilder(certificate(), serial(), notBefore(),
                notAfter(), x500(subject), keys.getPublic()), this.self.key(), builder -> {
                    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                    if (server) {
                        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost") }));
                    }
                });
        return new Credential(certificate, keys.getPrivate(), certificate());
    }

    /**
     * A client's TLS context: it trusts {@code trusted} and, when {@code identity} is given,
     * presents that certificate. A context of its own per connection makes every handshake a
     * full one (no session to resume).
     */
    public static SSLContext clientContext(@Nullable Credential identity, X509Certificate... trusted) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < trusted.length; i++) {
                trust.setCertificateEntry("ca" + i, trusted[i]);
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            if (identity != null) {
                keys.setKeyEntry("client", identity.key(), new char[0],
                        new Certificate[] { identity.certificate(), identity.issuer() });
            }
            keyManagers.init(keys, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] { new Presenting((X509ExtendedKeyManager) keyManagers.getKeyManagers()[0]) },
                    trustManagers.getTrustManagers(), null);
            return context;
        }
        catch (GeneralSecurityException | IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Presents its one certificate whatever issuers the server names: the JDK's own key manager
     * would send none when the server does not name its CA, and a test of a certificate the
     * server does not trust must have it sent.
     */
    private static final class Presenting extends X509ExtendedKeyManager {

        private final X509ExtendedKeyManager keys;

        Presenting(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        private @Nullable String alias() {
            String[] aliases = this.keys.getClientAliases("EC", null);
            return (aliases != null && aliases.length > 0) ? aliases[0] : null;
        }

        @Override
        public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
            return this.keys.getClientAliases(keyType, null);
        }

        @Override
        public @Nullable String chooseClientAlias(String[] keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
            return alias();
        }

        @Override
        public @Nullable String chooseEngineClientAlias(String[] keyType, Principal @Nullable [] issuers,
                @Nullable SSLEngine engine) {
            return alias();
        }

        @Override
        public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
            return null;
        }

        @Override
        public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
            return null;
        }

        @Override
        public X509Certificate @Nullable [] getCertificateChain(String alias) {
            return this.keys.getCertificateChain(alias);
        }

        @Override
        public @Nullable PrivateKey getPrivateKey(String alias) {
            return this.keys.getPrivateKey(alias);
        }
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws IOException;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey, Extensions extensions) {
        try {
            extensions.add(builder);
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        }
        catch (IOException | GeneralSecurityException | OperatorCreationException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return generator.generateKeyPair();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The name as the JDK reads RFC 2253 (most specific first), so that its subject prints back the same. */
    private static X500Name x500(String name) {
        return X500Name.getInstance(new X500Principal(name).getEncoded());
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(Duration.ofDays(2)));
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Writes beside the file, then moves it over: a watcher never reads half a file. */
    static void writeAtomically(Path file, String content) {
        try {
            Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".write-", ".tmp");
            Files.writeString(temporary, content, StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
