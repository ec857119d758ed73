package io.switchboard.cli;

import picocli.CommandLine;

/**
 * A server address given as {@code HOST:PORT} on the command line ({@code [v6]:PORT} for an
 * IPv6 literal).
 */
public record HostPort(String host, int port) {

    /**
     * Parses {@code HOST:PORT}.
     * @throws IllegalArgumentException with a message fit for a user when it is not one
     */
    public static HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, such as 127.0.0.1:7070, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (NumberFormatException ex) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be a number from 1 to 65535, got '" + text.substring(colon + 1) + "'");
        }
        return new HostPort(host, port);
    }

    /** For the command line: a bad address is a usage error with this class's message. */
    public static final class Converter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return parse(value);
            }
            catch (IllegalArgumentException ex) {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return (this.host.indexOf(':') >= 0 ? "[" + this.host + "]" : this.host) + ":" + this.port;
    }
}
