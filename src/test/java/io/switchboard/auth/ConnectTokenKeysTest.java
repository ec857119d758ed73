package io.switchboard.auth;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.switchboard.relay.ClientIdentity;
import io.switchboard.relay.ConnectAuthenticator.Failure;
import io.switchboard.relay.ConnectAuthenticator.Refusal;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The three key sources of {@code switchboard.auth.jwt.*}: an HMAC secret, a PEM public key
 * (RSA and EC) and a JWK Set URL, served here by a real HTTP server on loopback; and what a
 * token's claims say about the client.
 */
class ConnectTokenKeysTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    static JwtConnectAuthenticator authenticator(AuthProperties.Jwt jwt) {
        return new JwtConnectAuthenticator(ConnectTokenDecoders.decoder(jwt, TIMEOUT), TIMEOUT);
    }

    static ClientIdentity check(JwtConnectAuthenticator authenticator, String token) throws Refusal {
        byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
        // At an offset, as the reader's buffer hands it over.
        byte[] framed = new byte[bytes.length + 8];
        System.arraycopy(bytes, 0, framed, 8, bytes.length);
        return authenticator.authenticate(framed, 8, bytes.length);
    }

    static String signed(JWSAlgorithm algorithm, com.nimbusds.jose.JWSSigner signer, String keyId) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(),
                Tokens.claims(Map.of("sub", "carol", "sid", 9)));
        jwt.sign(signer);
        return jwt.serialize();
    }

    static Failure failure(JwtConnectAuthenticator authenticator, String token) {
        try {
            check(authenticator, token);
        }
        catch (Refusal refusal) {
            return refusal.failure();
        }
        throw new AssertionError("admitted: " + token);
    }

    @Test
    void anHmacSecretChecksHs256Tokens() throws Exception {
        JwtConnectAuthenticator authenticator = authenticator(new AuthProperties.Jwt(Tokens.SECRET, null, null, null, null));
        ClientIdentity identity = check(authenticator, Tokens.hs256(Map.of("sub", "alice", "sid", 7, "send", java.util.List.of(3000000000L, 8, 8))));
        assertThat(identity.stableId()).isEqualTo(7);
        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.sendTo()).containsExactly((int) 3000000000L, 8);
        assertThat(failure(authenticator, Tokens.hs256(Map.of("sid", 7.5)))).isEqualTo(Failure.CLAIM);
        assertThat(failure(authenticator, Tokens.hs256Raw("{\"sub\":5,\"exp\":" + (System.currentTimeMillis() / 1000 + 60) + "}")))
                .isEqualTo(Failure.CLAIM);
    }

    @Test
    void aPemRsaPublicKeyChecksRs256Tokens() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        Path pem = pem(pair.getPublic().getEncoded());
        JwtConnectAuthenticator authenticator = authenticator(
                new AuthProperties.Jwt(null, pem.toUri().toString(), null, null, null));
        String token = signed(JWSAlgorithm.RS256, new RSASSASigner((RSAPrivateKey) pair.getPrivate()), "k1");
        assertThat(check(authenticator, token).subject()).isEqualTo("carol");
        KeyPair other = generator.generateKeyPair();
        assertThat(failure(authenticator, signed(JWSAlgorithm.RS256, new RSASSASigner((RSAPrivateKey) other.getPrivate()), "k1")))
                .isEqualTo(Failure.SIGNATURE);
        // An HS256 token whose "secret" is the public key: the classic confusion, refused.
        assertThat(failure(authenticator, Tokens.hs256(Map.of()))).isEqualTo(Failure.SIGNATURE);
    }

    @Test
    void aPemEcPublicKeyChecksEs256Tokens() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Path pem = pem(pair.getPublic().getEncoded());
        JwtConnectAuthenticator authenticator = authenticator(new AuthProperties.Jwt(null, "file:" + pem, null, null, null));
        String token = signed(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) pair.getPrivate()), "e1");
        assertThat(check(authenticator, token).stableId()).isEqualTo(9);
        assertThat(pair.getPublic()).isInstanceOf(ECPublicKey.class);
    }

    @Test
    void aJwkSetUrlChecksTokensSignedByItsKeysAndIsFetchedOnce() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        RSAKey jwk = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID("issuer-key-1").build();
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", (exchange) -> {
            fetches.incrementAndGet();
            byte[] body = new JWKSet(jwk).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
            JwtConnectAuthenticator authenticator = authenticator(new AuthProperties.Jwt(null, null, url, null, null));
            RSASSASigner signer = new RSASSASigner((RSAPrivateKey) pair.getPrivate());
            for (int i = 0; i < 20; i++) {
                assertThat(check(authenticator, signed(JWSAlgorithm.RS256, signer, "issuer-key-1")).subject()).isEqualTo("carol");
            }
            assertThat(fetches.get()).as("fetches of the JWK Set for 20 tokens").isEqualTo(1);
            assertThat(failure(authenticator, Tokens.hs256(Map.of()))).isEqualTo(Failure.SIGNATURE);
            // Key IDs the set does not have, as a stranger makes them up: one fetch again at most
            // (Nimbus's rate limit), and each is a bad token, not an unavailable key source.
            for (int i = 0; i < 20; i++) {
                assertThat(failure(authenticator, signed(JWSAlgorithm.RS256, signer, "made-up-" + i))).isEqualTo(Failure.SIGNATURE);
            }
            assertThat(fetches.get()).as("fetches after 20 tokens with unknown key IDs").isLessThanOrEqualTo(2);
        }
        finally {
            server.stop(0);
        }
    }

    @Test
    void aJwkSetUrlNobodyAnswersIsUnavailableNotABadToken() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        JwtConnectAuthenticator authenticator = authenticator(
                new AuthProperties.Jwt(null, null, "http://127.0.0.1:" + port + "/jwks.json", null, null));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String token = signed(JWSAlgorithm.RS256, new RSASSASigner(generator.generateKeyPair().getPrivate()), "k");
        assertThat(failure(authenticator, token)).isEqualTo(Failure.UNAVAILABLE);
    }

    @Test
    void aKeySourceThatCannotBeReadStopsTheStartNamingTheProperty() throws IOException {
        Path notPem = Files.writeString(this.dir.resolve("key.txt"), "not a key");
        assertThatThrownBy(() -> ConnectTokenDecoders.decoder(
                new AuthProperties.Jwt(null, notPem.toUri().toString(), null, null, null), TIMEOUT))
                .hasMessageContaining("switchboard.auth.jwt.public-key-location");
        assertThatThrownBy(() -> ConnectTokenDecoders.decoder(
                new AuthProperties.Jwt(null, this.dir.resolve("missing.pem").toUri().toString(), null, null, null), TIMEOUT))
                .hasMessageContaining("switchboard.auth.jwt.public-key-location");
        assertThatThrownBy(() -> new AuthProperties.Jwt(Base64.getEncoder().encodeToString(new byte[31]), null, null, null, null))
                .hasMessageContaining("switchboard.auth.jwt.secret").hasMessageContaining("32");
        assertThatThrownBy(() -> new AuthProperties.Jwt(Tokens.SECRET, "file:/k.pem", null, null, null))
                .hasMessageContaining("only one");
    }

    private Path pem(byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return Files.writeString(this.dir.resolve("public-" + der.length + ".pem"),
                "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n");
    }
}
