package io.switchboard.client;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A message delivered to this client (a DELIVER frame).
 *
 * @param src the sender's ID, from 1 to 4294967295, or {@link #OPERATOR} when the operator sent
 *        it through the admin API
 * @param payload the message, byte for byte as its sender wrote it; the array is this record's
 *        own and is not copied again by the accessor
 */
public record Message(long src, byte[] payload) implements Incoming {

    /** The {@code src} of a message that the operator sent, never a client. */
    public static final long OPERATOR = 0;

    /** True when the operator sent this message, not a client. */
    public boolean fromOperator() {
        return this.src == OPERATOR;
    }

    /** The payload as text, when it is valid UTF-8; empty otherwise. */
    public Optional<String> text() {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(this.payload))
                    .toString());
        }
        catch (CharacterCodingException ex) {
            return Optional.empty();
        }
    }

    @Override
    public boolean equals(Object other) {
        return (other instanceof Message that) && this.src == that.src && Arrays.equals(this.payload, that.payload);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(this.src) + Arrays.hashCode(this.payload);
    }

    @Override
    public String toString() {
        return "Message[src=" + this.src + ", payload=" + HexFormat.of().formatHex(this.payload) + "]";
    }
}
