package io.switchboard.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** TLS connections to the relay for tests: real sockets on loopback, the server's name checked. */
public final class TlsSockets {

    private TlsSockets() {
    }

    /**
     * Connects to 127.0.0.1 and completes the handshake.
     * @param receiveBufferBytes the socket's receive buffer, set before connecting; 0 for the default
     * @param protocols the protocols the client offers, such as {@code TLSv1.2}; none for the default
     */
    public static SSLSocket connect(int port, SSLContext context, int receiveBufferBytes, String... protocols)
            throws IOException {
        Socket tcp = new Socket();
        try {
            tcp.setTcpNoDelay(true);
            if (receiveBufferBytes > 0) {
                tcp.setReceiveBufferSize(receiveBufferBytes);
            }
            tcp.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(tcp, "127.0.0.1", port, true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (protocols.length > 0) {
                parameters.setProtocols(protocols);
            }
            socket.setSSLParameters(parameters);
            socket.setSoTimeout((int) TestClient.READ_TIMEOUT.toMillis());
            socket.startHandshake();
            return socket;
        }
        catch (IOException | RuntimeException ex) {
            tcp.close();
            throw ex;
        }
    }

    /** A TLS client of the relay, once it has read its greeting. */
    public static TestClient client(int port, SSLContext context, String... protocols) throws IOException {
        return TestClient.over(connect(port, context, 0, protocols));
    }
}
