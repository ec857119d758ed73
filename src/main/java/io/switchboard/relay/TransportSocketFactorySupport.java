package io.switchboard.relay;

import java.io.IOException;
import java.net.ServerSocket;

/**
 * The relay's server socket under TLS: it accepts plain TCP sockets, over which {@link RelayTls}
 * layers each client's TLS session. Accepting plain sockets and layering TLS over them (rather
 * than accepting from an {@code SSLServerSocket}) keeps the TCP connection within reach under
 * the session, for a close that must not wait for the session's locks (see {@link TlsTransport}).
 * Plain TCP uses {@link ChannelSocketFactorySupport}, unchanged.
 */
final class TransportSocketFactorySupport extends RelayServerSockets {

    @Override
    ServerSocket open() throws IOException {
        return new ServerSocket();
    }
}
