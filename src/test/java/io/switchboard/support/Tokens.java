package io.switchboard.support;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Connect tokens for tests, signed with Nimbus JOSE directly, so that a test can make any
 * token, also ones the server must refuse (a claim of the wrong type, no {@code exp}...).
 */
public final class Tokens {

    /** The HS256 secret the token-mode tests configure: 32 bytes, base64. */
    public static final String SECRET = "c3dpdGNoYm9hcmQtdGVzdC1zZWNyZXQtb2YtMzItYnk=";

    private Tokens() {
    }

    /** Claims valid for an hour, plus {@code claims}; a null value removes a claim. */
    public static JWTClaimsSet claims(Map<String, Object> claims) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
        claims.forEach(builder::claim);
        return builder.build();
    }

    /** HS256 with {@link #SECRET}. */
    public static String hs256(JWTClaimsSet claims) {
        return sign(claims, JWSAlgorithm.HS256, secretSigner(SECRET));
    }

    /** HS256 with {@link #SECRET}: claims valid for an hour, plus {@code claims}. */
    public static String hs256(Map<String, Object> claims) {
        return hs256(claims(claims));
    }

    /** HS256 with {@link #SECRET} over {@code json} as it is: claims Nimbus would not build (an {@code exp} string...). */
    public static String hs256Raw(String json) {
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(json));
        try {
            jws.sign(secretSigner(SECRET));
        }
        catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return jws.serialize();
    }

    public static String sign(JWTClaimsSet claims, JWSAlgorithm algorithm, JWSSigner signer) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).build(), claims);
        try {
            jwt.sign(signer);
        }
        catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return jwt.serialize();
    }

    public static JWSSigner secretSigner(String base64) {
        try {
            return new MACSigner(Base64.getDecoder().decode(base64));
        }
        catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
