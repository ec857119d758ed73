package io.switchboard.auth;

/** Who may connect ({@code switchboard.auth.mode}, PROTOCOL.md section 8). */
public enum AuthMode {
    /** Anyone: the relay greets every connection, as in version 1. */
    NONE,
    /** Only a connection whose first frame is a HELLO carrying a valid connect token. */
    TOKEN
}
