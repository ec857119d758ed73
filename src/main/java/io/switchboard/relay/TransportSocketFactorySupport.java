package io.switchboard.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

import org.springframework.integration.ip.tcp.connection.TcpSocketFactorySupport;

/**
 * The relay's server socket under TLS: it accepts {@link TransportSocket}s, over which
 * {@link RelayTls} layers each client's TLS session. Accepting plain sockets and layering TLS
 * over them (rather than accepting from an {@code SSLServerSocket}) keeps the TCP connection
 * within reach under the session, for a shutdown that stops reading without ending it and for a
 * close that must not wait for the session's locks. Plain TCP uses
 * {@link ChannelSocketFactorySupport}, unchanged.
 */
final class TransportSocketFactorySupport implements TcpSocketFactorySupport {

    private final ServerSocketFactory serverSockets = new ServerSocketFactory() {

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new TransportServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return bound(new InetSocketAddress(port), 0);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return bound(new InetSocketAddress(port), backlog);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return bound(new InetSocketAddress(address, port), backlog);
        }

        private ServerSocket bound(InetSocketAddress address, int backlog) throws IOException {
            ServerSocket socket = createServerSocket();
            try {
                socket.bind(address, backlog);
            }
            catch (IOException ex) {
                socket.close();
                throw ex;
            }
            return socket;
        }
    };

    @Override
    public ServerSocketFactory getServerSocketFactory() {
        return this.serverSockets;
    }

    @Override
    public SocketFactory getSocketFactory() {
        // Only used by client connection factories; the relay has none.
        return SocketFactory.getDefault();
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
