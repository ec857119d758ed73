package io.switchboard.protocol;

/**
 * Why a SEND was not delivered, as carried in an ERROR frame (PROTOCOL.md section 3).
 */
public enum ErrorCode {

    /** No client with the destination ID was connected when the SEND was routed. */
    UNKNOWN_DESTINATION(0x01, "unknown destination"),

    /** The destination disconnected, or was disconnected, before the message was written to it. */
    DESTINATION_GONE(0x02, "destination gone"),

    /** The destination's queue was full and the overflow policy is {@code reject}. */
    DESTINATION_BUSY(0x03, "destination busy"),

    /** The SEND's length was over the server's limit; the server closes the connection after this ERROR. */
    FRAME_TOO_LARGE(0x04, "frame too large"),

    /** (1.1, token mode) The client's token does not allow it to send to the destination. */
    FORBIDDEN(0x05, "forbidden"),

    /** (1.1, token mode) The connection was not admitted; dest and seq are 0. */
    AUTH_FAILED(0x06, "authentication failed");

    private static final ErrorCode[] BY_CODE = new ErrorCode[256];

    static {
        for (ErrorCode code : values()) {
            BY_CODE[code.code] = code;
        }
    }

    private final int code;
    private final String description;

    ErrorCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The code byte on the wire. */
    public int code() {
        return this.code;
    }

    /** A short description in words, such as {@code unknown destination}. */
    public String description() {
        return this.description;
    }

    /**
     * The error code for a code byte.
     * @param code the code byte, 0 to 255
     * @return the code, or {@code null} when version 1.1 defines no such code
     */
    public static ErrorCode fromCode(int code) {
        return (code < 0 || code > 255) ? null : BY_CODE[code];
    }
}
