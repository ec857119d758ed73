package io.switchboard.relay;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;

/**
 * Server sockets opened through a {@link ServerSocketChannel}, so that every accepted socket has
 * a channel. A channel's write moves its buffer by exactly the bytes the socket took, also when
 * the connection is closed during the write; a socket's output stream loses that count. The
 * {@link ClientWriter} needs it to tell the messages a disconnected client can still read from
 * those that end as DESTINATION_GONE.
 */
final class ChannelSocketFactorySupport extends RelayServerSockets {

    @Override
    ServerSocket open() throws IOException {
        return ServerSocketChannel.open().socket();
    }
}
