package io.switchboard.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import org.jspecify.annotations.Nullable;

/**
 * A client's TLS material from files, with the JDK's own API only: whom to trust, as a PEM file
 * of CA certificates or a trust store (PKCS#12 or JKS), else the JDK's trusted CAs; and
 * optionally a certificate to present, as a PEM certificate (chain) and PKCS#8 PEM key, or a key
 * store.
 *
 * @param ca PEM file of the CA certificates to trust, or null
 * @param trustStore trust store to use instead of {@code ca}, or null
 * @param trustStorePassword its password, or null for none
 * @param certificate PEM file of the client's certificate, then its chain, or null
 * @param key PEM file of that certificate's private key (PKCS#8, {@code BEGIN PRIVATE KEY}), or null
 * @param keyStore key store with the client's key and certificate, instead of the two above, or null
 * @param keyStorePassword its password (also the key's), or null for none
 */
public record TlsFiles(@Nullable Path ca, @Nullable Path trustStore, char @Nullable [] trustStorePassword,
        @Nullable Path certificate, @Nullable Path key, @Nullable Path keyStore, char @Nullable [] keyStorePassword) {

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = { "RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "EdDSA" };

    public TlsFiles {
        if (ca != null && trustStore != null) {
            throw new IllegalArgumentException("give either a CA file or a trust store, not both");
        }
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
        if (certificate != null && keyStore != null) {
            throw new IllegalArgumentException("give either a certificate and key or a key store, not both");
        }
    }

    /** Trust the CAs of one PEM file; present no certificate. */
    public static SSLContext trusting(Path caPem) throws IOException, GeneralSecurityException {
        return new TlsFiles(caPem, null, null, null, null, null, null).context();
    }

    /** A TLS context with this material. */
    public SSLContext context() throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers(), trustManagers(), null);
        return context;
    }

    private TrustManager @Nullable [] trustManagers() throws IOException, GeneralSecurityException {
        KeyStore trusted;
        if (this.ca != null) {
            trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            List<Certificate> certificates = certificates(this.ca);
            if (certificates.isEmpty()) {
                throw new IOException(this.ca + " holds no PEM certificate");
            }
            for (int i = 0; i < certificates.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, certificates.get(i));
            }
        }
        else if (this.trustStore != null) {
            trusted = KeyStore.getInstance(this.trustStore.toFile(), this.trustStorePassword);
        }
        else {
            return null; // the JDK's trusted CAs
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        return factory.getTrustManagers();
    }

    private KeyManager @Nullable [] keyManagers() throws IOException, GeneralSecurityException {
        KeyStore keys;
        char[] password;
        if (this.certificate != null && this.key != null) {
            List<Certificate> chain = certificates(this.certificate);
            if (chain.isEmpty()) {
                throw new IOException(this.certificate + " holds no PEM certificate");
            }
            password = new char[0];
            keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", privateKey(this.key), password, chain.toArray(Certificate[]::new));
        }
        else if (this.keyStore != null) {
            password = (this.keyStorePassword != null) ? this.keyStorePassword : new char[0];
            keys = KeyStore.getInstance(this.keyStore.toFile(), password);
        }
        else {
            return null;
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        return factory.getKeyManagers();
    }

    private static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(file)) {
            return new ArrayList<>(factory.generateCertificates(in));
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher pem = PEM.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        while (pem.find()) {
            String type = pem.group(1);
            if (type.equals("PRIVATE KEY")) {
                byte[] der = Base64.getMimeDecoder().decode(pem.group(2).trim());
                for (String algorithm : KEY_ALGORITHMS) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    }
                    catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException ex) {
                        // Not this algorithm: try the next.
                    }
                }
                throw new IOException(file + ": a PKCS#8 key of an algorithm this JDK does not know");
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new IOException(file + " holds a key as '" + type + "'; only unencrypted PKCS#8 ('PRIVATE KEY') is"
                        + " read: convert it with  openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName()
                        + " -out key-pkcs8.pem");
            }
        }
        throw new IOException(file + " holds no PEM private key");
    }
}
