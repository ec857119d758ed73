package io.switchboard.relay;

import java.time.Duration;

/**
 * Who may connect, in token mode (PROTOCOL.md section 8): checks the token that a connection's
 * HELLO carries and says who the client is. The relay has one only in token mode; without it,
 * everyone is admitted as before. Implementations are thread-safe: every connection's reader
 * calls them, once, before it is admitted.
 */
public interface ConnectAuthenticator {

    /** How long a connection may take, from connect, to send its complete HELLO. */
    Duration helloTimeout();

    /**
     * @param token the HELLO's payload: {@code token[offset, offset + length)}
     * @return who the client is
     * @throws Refusal when it is not admitted, with the reason (logged and counted, never sent)
     */
    ClientIdentity authenticate(byte[] token, int offset, int length) throws Refusal;

    /** Why a connection was not admitted: a tag for the metric, and words for the log. */
    enum Failure {
        MALFORMED("malformed", "not a JWT in compact form"),
        SIGNATURE("signature", "bad signature, or signed with an unknown key or algorithm"),
        EXPIRED("expired", "expired"),
        NOT_YET_VALID("not-yet-valid", "not yet valid"),
        ISSUER("issuer", "wrong issuer"),
        AUDIENCE("audience", "wrong audience"),
        CLAIM("claim", "a claim missing or of the wrong type"),
        TOO_LARGE("too-large", "a token over 8192 bytes"),
        NOT_HELLO("not-hello", "a first frame to a dest other than 0"),
        TIMEOUT("timeout", "no complete HELLO within switchboard.auth.hello-timeout"),
        UNAVAILABLE("unavailable", "the keys to check it could not be had (JWK Set unreachable?)");

        private final String tag;
        private final String description;

        Failure(String tag, String description) {
            this.tag = tag;
            this.description = description;
        }

        public String tag() {
            return this.tag;
        }

        public String description() {
            return this.description;
        }
    }

    /** The connection is not admitted. */
    final class Refusal extends Exception {

        private final Failure failure;

        public Refusal(Failure failure, String detail) {
            super(failure.description() + ((detail == null || detail.isEmpty()) ? "" : ": " + detail), null, false, false);
            this.failure = failure;
        }

        public Failure failure() {
            return this.failure;
        }
    }
}
