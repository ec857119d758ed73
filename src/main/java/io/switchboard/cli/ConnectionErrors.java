package io.switchboard.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Why a connection failed, in words: the JDK's messages name a bare host ({@code nosuchhost})
 * for an unknown host, and a class name is no explanation.
 */
public final class ConnectionErrors {

    private ConnectionErrors() {
    }

    public static String describe(IOException ex) {
        return switch (ex) {
            case UnknownHostException unknown -> "unknown host '" + unknown.getMessage() + "'";
            case ConnectException refused -> "connection refused (is a server listening there?)";
            case NoRouteToHostException unreachable -> "no route to host";
            case SSLHandshakeException handshake -> String.valueOf(handshake.getMessage()).startsWith("TLS")
                    ? handshake.getMessage() : "TLS handshake failed: " + handshake.getMessage();
            case SSLException tls -> "TLS: " + tls.getMessage();
            default -> (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
        };
    }
}
