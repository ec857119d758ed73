package io.switchboard.relay;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;

/**
 * The relay's server socket under TLS: it accepts {@link TransportSocket}s, over which
 * {@link RelayTls} layers each client's TLS session. Accepting plain sockets and layering TLS
 * over them (rather than accepting from an {@code SSLServerSocket}) keeps the TCP connection
 * within reach under the session, for a shutdown that stops reading without ending it and for a
 * close that must not wait for the session's locks. Plain TCP uses
 * {@link ChannelSocketFactorySupport}, unchanged.
 */
final class TransportSocketFactorySupport extends RelayServerSockets {

    @Override
    ServerSocket open() throws IOException {
        return new TransportServerSocket();
    }

    private static final class TransportServerSocket extends ServerSocket {

        TransportServerSocket() throws IOException {
        }

        @Override
        public Socket accept() throws IOException {
            if (isClosed()) {
                throw new SocketException("Socket is closed");
            }
            Socket socket = new TransportSocket();
            implAccept(socket);
            return socket;
        }
    }
}
