package io.switchboard.client;

import java.nio.charset.StandardCharsets;

import io.switchboard.protocol.Wire;

/** The HELLO of token mode (PROTOCOL.md section 8): a SEND to 0 whose payload is the token. */
public final class Hello {

    private Hello() {
    }

    /**
     * @param token a JWT in compact form
     * @throws IllegalArgumentException when it is over {@value Wire#MAX_TOKEN_BYTES} bytes in UTF-8
     */
    public static byte[] frame(String token) {
        byte[] bytes = token.strip().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Wire.MAX_TOKEN_BYTES) {
            throw new IllegalArgumentException("a connect token is at most " + Wire.MAX_TOKEN_BYTES + " bytes, this one "
                    + bytes.length);
        }
        byte[] frame = new byte[Wire.SEND_HEADER_BYTES + bytes.length];
        Wire.putSendHeader(frame, 0, Wire.OPERATOR_ID, bytes.length);
        System.arraycopy(bytes, 0, frame, Wire.SEND_HEADER_BYTES, bytes.length);
        return frame;
    }
}
