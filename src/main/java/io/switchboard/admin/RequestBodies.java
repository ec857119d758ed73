package io.switchboard.admin;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * Reads a message body as it came, byte for byte and whatever its content type, up to
 * {@code max-payload-bytes}: a larger one is a 413, refused before reading when its length is
 * declared, and after at most one byte too many when it is chunked.
 */
final class RequestBodies {

    private final long maxPayloadBytes;
    /** What a body too large is over, for the 413's detail. */
    private final String limit;

    RequestBodies(long maxPayloadBytes) {
        this(maxPayloadBytes, "max-payload-bytes (" + maxPayloadBytes + ")");
    }

    /** @param limit what a body too large is over, as the 413 says it */
    RequestBodies(long maxBytes, String limit) {
        this.maxPayloadBytes = maxBytes;
        this.limit = limit;
    }

    byte[] read(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > this.maxPayloadBytes) {
            throw tooLarge();
        }
        // The raw stream, never getParameter(): a form-encoded body is a message like any other.
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(this.maxPayloadBytes + 1, Integer.MAX_VALUE));
            if (body.length > this.maxPayloadBytes) {
                throw tooLarge();
            }
            return body;
        }
    }

    /** Whether a body the console took from a form is within {@code max-payload-bytes}. */
    boolean fits(byte[] body) {
        return body.length <= this.maxPayloadBytes;
    }

    long maxPayloadBytes() {
        return this.maxPayloadBytes;
    }

    private ResponseStatusException tooLarge() {
        return new ResponseStatusException(HttpStatus.CONTENT_TOO_LARGE, "The body is over " + this.limit);
    }
}
