package io.switchboard.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

import org.springframework.integration.ip.tcp.connection.TcpSocketFactorySupport;

/**
 * Server sockets opened through a {@link ServerSocketChannel}, so that every accepted socket has
 * a channel. A channel's write moves its buffer by exactly the bytes the socket took, also when
 * the connection is closed during the write; a socket's output stream loses that count. The
 * {@link ClientWriter} needs it to tell the messages a disconnected client can still read from
 * those that end as DESTINATION_GONE.
 */
final class ChannelSocketFactorySupport implements TcpSocketFactorySupport {

    private final ServerSocketFactory serverSockets = new ServerSocketFactory() {

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return ServerSocketChannel.open().socket();
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
}
