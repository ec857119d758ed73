package io.switchboard.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;


/**
 * Mints connect tokens with {@code switchboard.auth.jwt.secret} (HS256), carrying the
 * configured {@code iss} and {@code aud} so that this server admits them. Without a secret it
 * cannot sign: {@link #canMint()} is false. Thread-safe.
 */
public final class TokenMinter {

    /** A token's lifetime when none is asked for. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    private final byte @Nullable [] secret;
    private final @Nullable String issuer;
    private final @Nullable String audience;
    private final Clock clock;

    TokenMinter(AuthProperties.Jwt jwt, Clock clock) {
        this(jwt.secretBytes(), jwt.issuer(), jwt.audience(), clock);
    }

    /**
     * A minter outside the server (the {@code token} command), with the server's settings given.
     * @param secret the HS256 secret, or null (then it cannot mint)
     * @param issuer {@code iss}, or null or blank for none; likewise {@code audience}
     */
    public TokenMinter(byte @Nullable [] secret, @Nullable String issuer, @Nullable String audience, Clock clock) {
        this.secret = secret;
        this.issuer = blankToNull(issuer);
        this.audience = blankToNull(audience);
        this.clock = clock;
    }

    /** A signed token and when it expires. */
    public record Minted(String token, Instant expiresAt) {
    }

    /** Whether a secret is configured to sign with. */
    public boolean canMint() {
        return this.secret != null;
    }

    /**
     * @param subject {@code sub}, or null
     * @param stableId {@code sid}, or 0 for none
     * @param sendTo {@code send}, or null for any
     * @param ttl from now, positive and at most {@link ConnectToken#MAX_TTL}; it ends on a whole second
     * @throws IllegalArgumentException when a value is out of range
     * @throws IllegalStateException when no secret is configured
     */
    public Minted mint(@Nullable String subject, long stableId, long @Nullable [] sendTo, Duration ttl) {
        if (this.secret == null) {
            throw new IllegalStateException("no switchboard.auth.jwt.secret to sign with");
        }
        if (!ConnectToken.isMintableTtl(ttl)) {
            throw new IllegalArgumentException("ttl must be positive and at most " + ConnectToken.MAX_TTL);
        }
        Instant expiresAt = ConnectToken.expiry(this.clock.instant(), ttl);
        ConnectToken token = new ConnectToken(subject, stableId, sendTo, expiresAt, this.issuer, this.audience);
        return new Minted(token.signHs256(this.secret), expiresAt);
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return (value == null || value.isBlank()) ? null : value;
    }
}
