package io.switchboard.relay;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;

import io.switchboard.protocol.SendBatchReader;

/**
 * A client's connection: Spring Integration's blocking connection, which reads on its own
 * virtual thread and publishes the open and close events, plus direct access to the socket's
 * channel for the client's {@link ClientWriter}.
 *
 * <p>The writer bypasses {@link #send}: that path wraps the socket in a
 * {@code BufferedOutputStream} as large as the socket's send buffer (megabytes per client on
 * Linux) and copies every batch through it, while our batches are already coalesced.
 */
public final class RelayConnection extends TcpNetConnection {

    private final Socket socket;
    private volatile @Nullable ClientSession session;
    /** Made on the first read; only the connection's own reader thread reads. */
    private @Nullable Input input;

    RelayConnection(Socket socket, boolean server, boolean lookupHost,
            @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName) {
        super(socket, server, lookupHost, publisher, factoryName);
        this.socket = socket;
    }

    @Nullable ClientSession session() {
        return this.session;
    }

    void attach(ClientSession session) {
        this.session = session;
    }

    /**
     * One stream for the connection's life: Spring Integration asks for the socket's stream at
     * every read, and the socket makes a new one each time.
     */
    @Override
    protected InputStream inputStream() throws IOException {
        Input in = this.input;
        if (in == null) {
            in = new Input(super.inputStream());
            this.input = in;
        }
        return in;
    }

    /** The socket's channel: its writes tell how many bytes the socket took, even when they fail. */
    SocketChannel channel() throws IOException {
        SocketChannel channel = this.socket.getChannel();
        if (channel == null) {
            throw new IOException("socket without a channel: the relay's server socket must come from "
                    + ChannelSocketFactorySupport.class.getSimpleName());
        }
        return channel;
    }

    @Nullable InetSocketAddress remoteAddress() {
        return (this.socket.getRemoteSocketAddress() instanceof InetSocketAddress address) ? address : null;
    }

    /** The socket's stream, with the buffer that {@link SendBatchDeserializer} reads into first. */
    static final class Input extends FilterInputStream {

        final byte[] firstRead = new byte[SendBatchReader.FIRST_READ_BYTES];

        private Input(InputStream socketStream) {
            super(socketStream);
        }
    }
}
