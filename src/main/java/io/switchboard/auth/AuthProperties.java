package io.switchboard.auth;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;


/**
 * Connect tokens, {@code switchboard.auth.*} (PROTOCOL.md sections 6 and 8).
 *
 * @param mode {@code none} (anyone may connect) or {@code token}
 * @param helloTimeout in token mode, the time from connect to a complete HELLO
 * @param jwt how tokens are checked, and minted
 */
@ConfigurationProperties("switchboard.auth")
public record AuthProperties(
        @DefaultValue("none") AuthMode mode,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration helloTimeout,
        @DefaultValue Jwt jwt) {

    public AuthProperties {
        require(helloTimeout.isPositive(), "switchboard.auth.hello-timeout must be positive");
        if (mode == AuthMode.TOKEN && jwt.keys() == 0) {
            throw new IllegalArgumentException("switchboard.auth.jwt.secret, public-key-location or jwk-set-uri must be"
                    + " set in token mode (switchboard.auth.mode=token): tokens cannot be checked without a key");
        }
    }

    /**
     * @param secret base64 of an HMAC key of at least 32 bytes: tokens signed HS256 with it; also
     *        lets the admin API and the {@code token} command mint tokens
     * @param publicKeyLocation a PEM RSA or EC public key (a Spring resource location): tokens
     *        signed RS256 or ES256 with its private key
     * @param jwkSetUri a JWK Set URL: tokens signed by its keys
     * @param issuer when set, the {@code iss} every token must carry
     * @param audience when set, a value that every token's {@code aud} must contain
     */
    public record Jwt(@Nullable String secret, @Nullable String publicKeyLocation, @Nullable String jwkSetUri,
            @Nullable String issuer, @Nullable String audience) {

        public Jwt {
            if (secret != null && !secret.isEmpty()) {
                byte[] key;
                try {
                    key = Base64.getDecoder().decode(secret.trim());
                }
                catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("switchboard.auth.jwt.secret must be base64: " + ex.getMessage());
                }
                require(key.length >= ConnectToken.MIN_SECRET_BYTES, "switchboard.auth.jwt.secret must be at least "
                        + ConnectToken.MIN_SECRET_BYTES + " bytes once decoded, was " + key.length);
            }
            require(keysOf(secret, publicKeyLocation, jwkSetUri) <= 1, "switchboard.auth.jwt.secret, public-key-location"
                    + " and jwk-set-uri: only one may be set");
        }

        /** The HMAC key, when one is set. */
        public byte @Nullable [] secretBytes() {
            return (this.secret == null || this.secret.isEmpty()) ? null : Base64.getDecoder().decode(this.secret.trim());
        }

        int keys() {
            return keysOf(this.secret, this.publicKeyLocation, this.jwkSetUri);
        }

        private static int keysOf(@Nullable String... values) {
            int set = 0;
            for (String value : values) {
                if (value != null && !value.isBlank()) {
                    set++;
                }
            }
            return set;
        }

        @Override
        public String toString() {
            // Never print the secret, whoever logs this record.
            return "Jwt[secret=" + ((this.secret == null) ? "none" : "(hidden)") + ", publicKeyLocation="
                    + this.publicKeyLocation + ", jwkSetUri=" + this.jwkSetUri + ", issuer=" + this.issuer + ", audience="
                    + this.audience + "]";
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
