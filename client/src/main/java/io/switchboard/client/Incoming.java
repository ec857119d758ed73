package io.switchboard.client;

/**
 * What the server sends a client after its ID: a {@link Message} for it, or a {@link SendError}
 * about one of its SENDs. Sealed, so that a {@code switch} over it is exhaustive.
 */
public sealed interface Incoming permits Message, SendError {
}
