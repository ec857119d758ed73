package io.switchboard.auth;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import org.jspecify.annotations.Nullable;

import org.springframework.core.convert.converter.Converter;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

import io.switchboard.relay.ConnectAuthenticator.Failure;

/**
 * Makes the decoder of connect tokens from {@code switchboard.auth.jwt.*}: Spring Security's
 * {@link NimbusJwtDecoder} on an HMAC secret (HS256), a PEM public key (RS256 for RSA, ES256 for
 * EC) or a JWK Set URL, with the claim checks of PROTOCOL.md section 8 in place of its default
 * ones: {@code exp} required and past it nothing (no clock skew: the contract says expired),
 * {@code nbf} honoured, and {@code iss} and {@code aud} when configured. Each check names its
 * {@link Failure} as the error code.
 */
final class ConnectTokenDecoders {

    private ConnectTokenDecoders() {
    }

    /**
     * @param fetchTimeout how long fetching a JWK Set may take, to connect and to read: a HELLO
     *        waits for it on its reader, so it is the HELLO's own timeout
     */
    static JwtDecoder decoder(AuthProperties.Jwt jwt, Duration fetchTimeout) {
        NimbusJwtDecoder decoder;
        byte[] secret = jwt.secretBytes();
        if (secret != null) {
            decoder = NimbusJwtDecoder.withSecretKey(new SecretKeySpec(secret, "HmacSHA256"))
                    .macAlgorithm(MacAlgorithm.HS256).build();
        }
        else if (jwt.publicKeyLocation() != null && !jwt.publicKeyLocation().isBlank()) {
            decoder = publicKeyDecoder(jwt.publicKeyLocation());
        }
        else {
            // Nimbus's own source rather than Spring's withJwkSetUri, which turns its rate limit
            // off: a token naming a key ID the cached set lacks makes it fetch the set again, and
            // without the limit every stranger's HELLO with a made-up kid would be a fetch.
            int millis = (int) Math.clamp(fetchTimeout.toMillis(), 1, Integer.MAX_VALUE);
            JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwkSetUrl(jwt.jwkSetUri()),
                    new DefaultResourceRetriever(millis, millis, JWKSourceBuilder.DEFAULT_HTTP_SIZE_LIMIT))
                    .cache(true)
                    .rateLimited(true)
                    .build();
            decoder = NimbusJwtDecoder.withJwkSource(keys)
                    .jwsAlgorithms((algorithms) -> algorithms.addAll(List.of(SignatureAlgorithm.RS256,
                            SignatureAlgorithm.RS384, SignatureAlgorithm.RS512, SignatureAlgorithm.ES256,
                            SignatureAlgorithm.ES384, SignatureAlgorithm.ES512)))
                    .build();
        }
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(List.of(ConnectTokenDecoders::times,
                issuer(jwt.issuer()), audience(jwt.audience()))));
        Converter<Map<String, Object>, Map<String, Object>> claims = MappedJwtClaimSetConverter.withDefaults(Map.of());
        decoder.setClaimSetConverter((raw) -> {
            try {
                return claims.convert(raw);
            }
            catch (RuntimeException ex) {
                throw new ClaimTypeException(ex);
            }
        });
        return decoder;
    }

    private static NimbusJwtDecoder publicKeyDecoder(String location) {
        PublicKey key = readPublicKey(location);
        if (key instanceof RSAPublicKey rsa) {
            return NimbusJwtDecoder.withPublicKey(rsa).signatureAlgorithm(SignatureAlgorithm.RS256).build();
        }
        ECPublicKey ec = (ECPublicKey) key;
        Curve curve = Curve.forECParameterSpec(ec.getParams());
        JWSAlgorithm algorithm = (curve == null) ? null : switch (curve.getName()) {
            case "P-256" -> JWSAlgorithm.ES256;
            case "P-384" -> JWSAlgorithm.ES384;
            case "P-521" -> JWSAlgorithm.ES512;
            default -> null;
        };
        if (algorithm == null) {
            throw new IllegalArgumentException("switchboard.auth.jwt.public-key-location holds an EC key on a curve other"
                    + " than P-256, P-384 or P-521");
        }
        // One key, whatever kid a token names, as for an RSA key (Spring's builder takes RSA keys only).
        SingleKeyJWSKeySelector<SecurityContext> selector = new SingleKeyJWSKeySelector<>(algorithm, ec);
        return NimbusJwtDecoder.withJwkSource(new ImmutableJWKSet<>(new JWKSet(new ECKey.Builder(curve, ec).build())))
                .jwsAlgorithm(SignatureAlgorithm.from(algorithm.getName()))
                .jwtProcessorCustomizer((processor) -> processor.setJWSKeySelector(selector))
                .build();
    }

    private static URL jwkSetUrl(@Nullable String uri) {
        try {
            return URI.create(String.valueOf(uri)).toURL();
        }
        catch (IllegalArgumentException | MalformedURLException ex) {
            throw new IllegalArgumentException("switchboard.auth.jwt.jwk-set-uri is not a URL: " + ex.getMessage(), ex);
        }
    }

    /** A PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), RSA or EC. */
    static PublicKey readPublicKey(String location) {
        Resource resource = new DefaultResourceLoader().getResource(location);
        String pem;
        try (InputStream in = resource.getInputStream()) {
            pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        catch (IOException ex) {
            throw new IllegalArgumentException("switchboard.auth.jwt.public-key-location cannot be read: " + ex.getMessage(), ex);
        }
        int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
        int end = pem.indexOf("-----END PUBLIC KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("switchboard.auth.jwt.public-key-location holds no PEM PUBLIC KEY");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end));
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            }
            catch (GeneralSecurityException ex) {
                // Not this kind of key: try the next.
            }
        }
        throw new IllegalArgumentException("switchboard.auth.jwt.public-key-location holds no RSA or EC public key");
    }

    /** {@code exp} required and not past; {@code nbf} not ahead. */
    private static OAuth2TokenValidatorResult times(Jwt jwt) {
        Instant now = Instant.now();
        if (jwt.getExpiresAt() == null) {
            return failure(Failure.CLAIM, "exp is required");
        }
        if (!now.isBefore(jwt.getExpiresAt())) {
            return failure(Failure.EXPIRED, "expired at " + jwt.getExpiresAt());
        }
        if (jwt.getNotBefore() != null && now.isBefore(jwt.getNotBefore())) {
            return failure(Failure.NOT_YET_VALID, "not valid before " + jwt.getNotBefore());
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidator<Jwt> issuer(@Nullable String issuer) {
        return (jwt) -> (issuer == null || issuer.isBlank() || issuer.equals(jwt.getClaims().get("iss")))
                ? OAuth2TokenValidatorResult.success() : failure(Failure.ISSUER, "iss is not " + issuer);
    }

    private static OAuth2TokenValidator<Jwt> audience(@Nullable String audience) {
        return (jwt) -> {
            if (audience == null || audience.isBlank()) {
                return OAuth2TokenValidatorResult.success();
            }
            Object aud = jwt.getClaims().get("aud");
            boolean contains = audience.equals(aud) || (aud instanceof Collection<?> values && values.contains(audience));
            return contains ? OAuth2TokenValidatorResult.success() : failure(Failure.AUDIENCE, "aud does not contain " + audience);
        };
    }

    private static OAuth2TokenValidatorResult failure(Failure failure, String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(failure.tag(), description, null));
    }

    /** Whether the decoder failed for want of keys (a JWK Set it could not fetch), not for the token. */
    static boolean isKeySourceFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RateLimitReachedException) {
                // A key ID the set does not have, asked again too soon: a bad token, not an outage.
                return false;
            }
            if (cause instanceof KeySourceException || cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a claim the decoder converts ({@code exp}, {@code nbf}, {@code iss}...) had the wrong type. */
    static boolean isClaimConversionFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ClaimTypeException) {
                return true;
            }
        }
        return false;
    }

    /** A claim of the wrong type, found while the decoder converted the claims. */
    static final class ClaimTypeException extends BadJwtException {
        ClaimTypeException(RuntimeException cause) {
            super("a claim of the wrong type: " + cause.getMessage(), cause);
        }
    }
}
