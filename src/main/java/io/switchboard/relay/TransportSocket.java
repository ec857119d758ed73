package io.switchboard.relay;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.Socket;

import org.jspecify.annotations.Nullable;

/**
 * The TCP connection under a client's TLS session, whose reading the relay can end without the
 * TLS layer above it taking that for the client's end of stream.
 *
 * <p>A graceful shutdown stops reading every client and then writes what is queued for it
 * (docs/design.md, "How each close path keeps exactly one outcome"). On plain TCP that is a
 * {@code shutdownInput}. Under TLS it cannot be: the JDK's {@code SSLSocket.shutdownInput}
 * breaks the session with a fatal alert when the client has not closed its side, and an end of
 * stream from below is taken for the client's close, which under TLS 1.2 (no half-close there)
 * makes the JDK close the whole connection, queued messages and all. So {@link #stopInput} ends
 * the reads of this socket with {@link InputStopped}, which the TLS layer passes up untouched, as
 * it does every {@link InterruptedIOException}, and {@link TlsTransport} turns into the end of
 * the client's stream above it.
 */
final class TransportSocket extends Socket {

    private volatile boolean inputStopped;
    /** Made on first use: the TLS layer asks once, when it is layered over this socket. */
    private volatile @Nullable InputStream input;

    @Override
    public InputStream getInputStream() throws IOException {
        InputStream in = this.input;
        if (in == null) {
            // Two callers at once would make two wrappers of the one stream: harmless.
            in = new Input(super.getInputStream());
            this.input = in;
        }
        return in;
    }

    /** Ends every read of this socket, current and later, with {@link InputStopped}; writes go on. */
    void stopInput() throws IOException {
        this.inputStopped = true;
        shutdownInput();
    }

    /** The relay stopped reading this connection: not the client's end of stream, nor an error. */
    static final class InputStopped extends InterruptedIOException {

        InputStopped() {
            super("the relay stopped reading");
        }
    }

    private final class Input extends FilterInputStream {

        Input(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            return ended(TransportSocket.this.inputStopped ? -1 : super.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ended(TransportSocket.this.inputStopped ? -1 : super.read(b, off, len));
        }

        private int ended(int n) throws InputStopped {
            if (n < 0 && TransportSocket.this.inputStopped) {
                throw new InputStopped();
            }
            return n;
        }
    }
}
