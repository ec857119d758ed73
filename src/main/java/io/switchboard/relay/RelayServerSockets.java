package io.switchboard.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

import org.springframework.integration.ip.tcp.connection.TcpSocketFactorySupport;

/**
 * The relay's {@link TcpSocketFactorySupport}: a server socket factory whose sockets come from
 * {@link #open()}, bound as Spring Integration asks. One for plain TCP
 * ({@link ChannelSocketFactorySupport}), one for TLS ({@link TransportSocketFactorySupport}).
 */
abstract class RelayServerSockets implements TcpSocketFactorySupport {

    private final ServerSocketFactory serverSockets = new ServerSocketFactory() {

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return open();
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
            ServerSocket socket = open();
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

    /** A new server socket, not bound yet. */
    abstract ServerSocket open() throws IOException;

    @Override
    public ServerSocketFactory getServerSocketFactory() {
        return this.serverSockets;
    }

    @Override
    public SocketFactory getSocketFactory() {
        // Only used by client connection factories; the relay has none.
        return SocketFactory.getDefault();
    }
}
