package io.switchboard.auth;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientIdentity;
import io.switchboard.relay.ConnectAuthenticator;

/**
 * Checks a HELLO's connect token with Spring Security's {@code NimbusJwtDecoder} (built by
 * {@link ConnectTokenDecoders}): the signature, then the claims of PROTOCOL.md section 8, each
 * failure mapped to its {@link ConnectAuthenticator.Failure}. The claims' validators report
 * their failure as the error code, so that the mapping never depends on a message's words.
 * Thread-safe, as the decoder is.
 */
final class JwtConnectAuthenticator implements ConnectAuthenticator {

    private final JwtDecoder decoder;
    private final Duration helloTimeout;

    JwtConnectAuthenticator(JwtDecoder decoder, Duration helloTimeout) {
        this.decoder = decoder;
        this.helloTimeout = helloTimeout;
    }

    @Override
    public Duration helloTimeout() {
        return this.helloTimeout;
    }

    @Override
    public ClientIdentity authenticate(byte[] token, int offset, int length) throws Refusal {
        String compact = utf8(token, offset, length);
        JWT parsed;
        try {
            // Nimbus's own parser first: what it cannot parse is no JWT, whatever the decoder says.
            parsed = JWTParser.parse(compact);
        }
        catch (ParseException ex) {
            throw new Refusal(Failure.MALFORMED, ex.getMessage());
        }
        // The claims before the signature, so that a registered claim of the wrong type ("exp":
        // "tomorrow") is told from a bad signature, which the decoder reports alike. Nothing is
        // trusted from them until the decoder has checked the signature.
        if (!(parsed instanceof JOSEObject jose) || jose.getPayload() == null) {
            // An encrypted JWT (five parts) has no payload to read before decryption, which the relay does not do.
            throw new Refusal(Failure.MALFORMED, "not a signed JWT");
        }
        Map<String, Object> claims = jose.getPayload().toJSONObject();
        if (claims == null) {
            throw new Refusal(Failure.MALFORMED, "the claims are not a JSON object");
        }
        try {
            JWTClaimsSet.parse(claims);
        }
        catch (ParseException ex) {
            throw new Refusal(Failure.CLAIM, ex.getMessage());
        }
        try {
            this.decoder.decode(compact);
        }
        catch (JwtValidationException ex) {
            throw new Refusal(failureOf(ex.getErrors()), ex.getMessage());
        }
        catch (JwtException ex) {
            throw new Refusal(ConnectTokenDecoders.isKeySourceFailure(ex) ? Failure.UNAVAILABLE
                    : ConnectTokenDecoders.isClaimConversionFailure(ex) ? Failure.CLAIM : Failure.SIGNATURE, ex.getMessage());
        }
        // Who it is, from the claims as the token has them: the decoder's conversions would take
        // "sub": 5 for "5", where the contract says a string.
        return identityOf(claims);
    }

    private static String utf8(byte[] token, int offset, int length) throws Refusal {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(token, offset, length))
                    .toString();
        }
        catch (CharacterCodingException ex) {
            throw new Refusal(Failure.MALFORMED, "not UTF-8");
        }
    }

    private static Failure failureOf(java.util.Collection<OAuth2Error> errors) {
        for (OAuth2Error error : errors) {
            for (Failure failure : Failure.values()) {
                if (failure.tag().equals(error.getErrorCode())) {
                    return failure;
                }
            }
        }
        return Failure.CLAIM;
    }

    /** The claims that say who the client is: {@code sid}, {@code sub} and {@code send}. */
    static ClientIdentity identityOf(Map<String, Object> claims) throws Refusal {
        Object sub = claims.get("sub");
        if (sub != null && !(sub instanceof String)) {
            throw new Refusal(Failure.CLAIM, "sub is not a string");
        }
        int sid = 0;
        Object sidClaim = claims.get("sid");
        if (sidClaim != null) {
            Long value = integral(sidClaim);
            if (value == null || value < 1 || value > Wire.MAX_STABLE_ID) {
                throw new Refusal(Failure.CLAIM, "sid is not a number from 1 to " + Wire.MAX_STABLE_ID);
            }
            sid = value.intValue();
        }
        int[] sendTo = null;
        Object send = claims.get("send");
        if (send != null) {
            if (!(send instanceof List<?> ids)) {
                throw new Refusal(Failure.CLAIM, "send is not an array");
            }
            sendTo = new int[ids.size()];
            for (int i = 0; i < sendTo.length; i++) {
                Long id = integral(ids.get(i));
                if (id == null || id < 0 || id > Wire.MAX_ID) {
                    throw new Refusal(Failure.CLAIM, "send holds something other than client IDs");
                }
                sendTo[i] = (int) id.longValue();
            }
        }
        return new ClientIdentity(sid, (String) sub, sendTo);
    }

    /** The value of a JSON number without a fraction; null for anything else. */
    private static @Nullable Long integral(@Nullable Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e18) {
                return (long) d;
            }
        }
        return null;
    }
}
