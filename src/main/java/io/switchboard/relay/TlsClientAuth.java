package io.switchboard.relay;

/** Whether the relay asks TLS clients for a certificate ({@code switchboard.tcp.ssl.client-auth}). */
public enum TlsClientAuth {

    /** No client certificate is asked for. */
    NONE,

    /** A certificate is asked for, and checked against the bundle's trust material when given. */
    WANT,

    /** A client without a certificate trusted by the bundle fails the handshake. */
    NEED
}
