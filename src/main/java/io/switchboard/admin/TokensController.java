package io.switchboard.admin;

import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.switchboard.auth.ConnectToken;
import io.switchboard.auth.TokenMinter;
import io.switchboard.protocol.Wire;

/**
 * Mints connect tokens, HS256 with {@code switchboard.auth.jwt.secret} (ADMIN-API.md,
 * {@code POST /api/tokens}). Every field of the body is optional; one that is out of range, of
 * the wrong type, repeated or unknown is a 400, so that a typo never mints a token that says
 * less than was meant.
 */
@RestController
class TokensController {

    /** A body larger than this cannot make a token the relay takes (at most 8192 bytes). */
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final RequestBodies BODIES = new RequestBodies(MAX_BODY_BYTES,
            MAX_BODY_BYTES + " bytes; a token's request is much smaller");
    private static final Set<String> FIELDS = Set.of("sub", "sid", "send", "ttl");

    private final TokenMinter minter;
    private final ObjectReader json = JsonMapper.shared().reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    TokensController(TokenMinter minter) {
        this.minter = minter;
    }

    /** The answer: the token, and when it expires (an ISO-8601 UTC instant). */
    record MintedToken(String token, String expiresAt) {
    }

    @PostMapping("/api/tokens")
    MintedToken mint(HttpServletRequest request) throws IOException {
        if (!this.minter.canMint()) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND,
                    "No switchboard.auth.jwt.secret is configured: this server cannot sign tokens");
        }
        JsonNode body = read(request);
        String sub = null;
        long sid = 0;
        long[] send = null;
        Duration ttl = TokenMinter.DEFAULT_TTL;
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (!FIELDS.contains(name)) {
                throw badRequest("Unknown field '" + name + "': the fields are sub, sid, send and ttl");
            }
            if (value.isNull()) {
                continue;
            }
            switch (name) {
                case "sub" -> sub = text(value, "sub must be a string");
                case "sid" -> sid = id(value, Wire.MAX_STABLE_ID, "sid must be a whole number from 1 to "
                        + Wire.MAX_STABLE_ID);
                case "send" -> send = ids(value);
                default -> ttl = ttl(value);
            }
        }
        TokenMinter.Minted minted = this.minter.mint(sub, sid, send, ttl);
        if (minted.token().length() > Wire.MAX_TOKEN_BYTES) {
            throw badRequest("The token would be " + minted.token().length() + " bytes, over the "
                    + Wire.MAX_TOKEN_BYTES + " a HELLO may carry: name fewer IDs in send");
        }
        return new MintedToken(minted.token(), minted.expiresAt().toString());
    }

    private JsonNode read(HttpServletRequest request) throws IOException {
        byte[] bytes = BODIES.read(request);
        if (bytes.length == 0) {
            return JsonMapper.shared().createObjectNode();
        }
        JsonNode body;
        try {
            body = this.json.readTree(bytes);
        }
        catch (JacksonException ex) {
            throw badRequest("The body is not JSON: " + ex.getOriginalMessage());
        }
        if (body == null || body.isMissingNode()) {
            return JsonMapper.shared().createObjectNode();
        }
        if (!body.isObject()) {
            throw badRequest("The body must be a JSON object");
        }
        return body;
    }

    private static String text(JsonNode value, String message) {
        if (!value.isString()) {
            throw badRequest(message);
        }
        return value.asString();
    }

    /** A JSON integer (not 7.0, not "7") from 1 to {@code max}. */
    private static long id(JsonNode value, long max, String message) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1 || value.asLong() > max) {
            throw badRequest(message);
        }
        return value.asLong();
    }

    private static long[] ids(JsonNode value) {
        String message = "send must be an array of client IDs, whole numbers from 1 to " + Wire.MAX_ID;
        if (!value.isArray()) {
            throw badRequest(message);
        }
        long[] ids = new long[value.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = id(value.get(i), Wire.MAX_ID, message);
        }
        return ids;
    }

    private static Duration ttl(JsonNode value) {
        String message = "ttl must be an ISO-8601 duration (PT1H), positive and at most " + ConnectToken.MAX_TTL;
        Duration ttl;
        try {
            ttl = Duration.parse(text(value, message));
        }
        catch (DateTimeParseException ex) {
            throw badRequest(message);
        }
        if (!ConnectToken.isMintableTtl(ttl)) {
            throw badRequest(message);
        }
        return ttl;
    }

    private static ResponseStatusException badRequest(String detail) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, detail);
    }
}
