package io.switchboard.admin;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import io.switchboard.protocol.Wire;

/** The numbers of the admin API's paths and parameters: decimal digits only, no sign, no point. */
final class ClientIds {

    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;

    private ClientIds() {
    }

    /** A client ID in a path: 1 to 4294967295, else 400. */
    static int parseId(String text) {
        long id = parse(text);
        if (id < 1 || id > Wire.MAX_ID) {
            throw badRequest("A client ID is a decimal number from 1 to " + Wire.MAX_ID);
        }
        return (int) id;
    }

    /** The {@code after} of a page: 0 (the default) to 4294967295, else 400. */
    static long parseAfter(@Nullable String text) {
        if (text == null) {
            return 0;
        }
        long after = parse(text);
        if (after < 0 || after > Wire.MAX_ID) {
            throw badRequest("'after' is a decimal number from 0 to " + Wire.MAX_ID);
        }
        return after;
    }

    /** The {@code limit} of a page: 1 to 10000, 1000 by default, else 400. */
    static int parseLimit(@Nullable String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        long limit = parse(text);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw badRequest("'limit' is a decimal number from 1 to " + MAX_LIMIT);
        }
        return (int) limit;
    }

    /** The value of a string of decimal digits; -1 when it is not one, or too large for any use here. */
    private static long parse(String text) {
        // Digits only: Long.parseLong alone would take a sign.
        if (text.isEmpty() || !text.chars().allMatch(ClientIds::isDigit)) {
            return -1;
        }
        try {
            return Long.parseLong(text);
        }
        catch (NumberFormatException ex) {
            return Long.MAX_VALUE; // more digits than a long holds: over every limit here
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static ResponseStatusException badRequest(String detail) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, detail);
    }
}
