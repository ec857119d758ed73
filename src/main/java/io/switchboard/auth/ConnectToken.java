package io.switchboard.auth;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;

/**
 * The claims of a connect token (PROTOCOL.md section 8), and its HS256 signature with the
 * server's secret. Minting is Nimbus JOSE's, shared by the admin API's {@code POST /api/tokens}
 * and the {@code token} command, which mints offline; checking is the server's.
 *
 * @param subject {@code sub}, or null
 * @param stableId {@code sid}, 1 to {@value Wire#MAX_STABLE_ID}; 0 for none (the server assigns one)
 * @param sendTo {@code send}, the only IDs the client may send to; null for any
 * @param expiresAt {@code exp}, required
 * @param issuer {@code iss}, or null
 * @param audience {@code aud}, or null
 */
public record ConnectToken(@Nullable String subject, long stableId, long @Nullable [] sendTo, Instant expiresAt,
        @Nullable String issuer, @Nullable String audience) {

    /** The shortest HMAC secret, in bytes: HS256's own size. */
    public static final int MIN_SECRET_BYTES = 32;

    /** The longest lifetime a token is minted with: it cannot be revoked, so it should not live long. */
    public static final Duration MAX_TTL = Duration.ofDays(30);

    /** Whether tokens are minted to live {@code ttl}: more than nothing, at most {@link #MAX_TTL}. */
    public static boolean isMintableTtl(Duration ttl) {
        return ttl.isPositive() && ttl.compareTo(MAX_TTL) <= 0;
    }

    /**
     * The {@code exp} of a token minted at {@code now} to live {@code ttl}: in whole seconds,
     * rounded up, so that a token never lives shorter than asked.
     */
    public static Instant expiry(Instant now, Duration ttl) {
        return now.plus(ttl).plusNanos(999_999_999).truncatedTo(ChronoUnit.SECONDS);
    }

    public ConnectToken {
        if (stableId < 0 || stableId > Wire.MAX_STABLE_ID) {
            throw new IllegalArgumentException("sid must be from 1 to " + Wire.MAX_STABLE_ID);
        }
        if (sendTo != null) {
            sendTo = sendTo.clone();
            for (long id : sendTo) {
                if (id < 1 || id > Wire.MAX_ID) {
                    throw new IllegalArgumentException("send must hold client IDs, from 1 to " + Wire.MAX_ID);
                }
            }
        }
    }

    /**
     * The token in compact form, signed HS256.
     * @param secret the HMAC key, at least {@value #MIN_SECRET_BYTES} bytes
     */
    public String signHs256(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("an HS256 secret has at least " + MIN_SECRET_BYTES + " bytes");
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().expirationTime(Date.from(this.expiresAt));
        if (this.subject != null) {
            claims.subject(this.subject);
        }
        if (this.stableId != 0) {
            claims.claim("sid", this.stableId);
        }
        if (this.sendTo != null) {
            claims.claim("send", Arrays.stream(this.sendTo).boxed().toList());
        }
        if (this.issuer != null) {
            claims.issuer(this.issuer);
        }
        if (this.audience != null) {
            claims.audience(List.of(this.audience));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(new MACSigner(secret));
        }
        catch (JOSEException ex) {
            throw new IllegalStateException("cannot sign HS256: " + ex.getMessage(), ex);
        }
        return jwt.serialize();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConnectToken that && this.stableId == that.stableId
                && java.util.Objects.equals(this.subject, that.subject) && Arrays.equals(this.sendTo, that.sendTo)
                && this.expiresAt.equals(that.expiresAt) && java.util.Objects.equals(this.issuer, that.issuer)
                && java.util.Objects.equals(this.audience, that.audience);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(this.subject, this.stableId, Arrays.hashCode(this.sendTo), this.expiresAt,
                this.issuer, this.audience);
    }

    @Override
    public String toString() {
        return "ConnectToken[sub=" + this.subject + ", sid=" + this.stableId + ", send="
                + ((this.sendTo == null) ? "any" : Arrays.toString(this.sendTo)) + ", exp=" + this.expiresAt + "]";
    }
}
