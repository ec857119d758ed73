package io.switchboard.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The one thread that writes to a client's socket: it takes everything queued in one swap and
 * writes it with no lock held, so a client that does not read blocks only this thread.
 * Writes go in chunks, and any bytes the socket takes count as progress for the slow-consumer
 * check. When the connection fails mid-batch, the bytes the socket took decide which messages
 * were written (the client can still read them) and which are gone.
 */
final class ClientWriter implements Runnable {

    private static final Log logger = LogFactory.getLog(ClientWriter.class);
    static final int CHUNK_BYTES = 256 * 1024;

    private final ClientSession session;

    ClientWriter(ClientSession session) {
        this.session = session;
    }

    @Override
    public void run() {
        OutboundQueue queue = this.session.queue();
        try {
            SocketChannel channel = this.session.connection().channel();
            OutboundBatch batch;
            while ((batch = queue.take()) != null) {
                ByteBuffer buffer = batch.frames();
                try {
                    write(channel, buffer, queue);
                }
                catch (IOException ex) {
                    logger.debug("Write to " + this.session + " failed: " + ex);
                    int written = batch.messagesWithin(buffer.position());
                    this.session.countOut(written, batch.payloadBytesOf(written));
                    queue.failed(batch, buffer.position());
                    return;
                }
                this.session.countOut(batch.messages, batch.payloadBytes);
                queue.written(batch);
            }
        }
        catch (IOException ex) {
            logger.debug("No channel for " + this.session + ": " + ex);
        }
        finally {
            // Closed, drained after a FRAME_TOO_LARGE or at shutdown, or broken: the connection ends.
            this.session.disconnect();
        }
    }

    /** Writes the buffer in full; on failure its position is the count of bytes the socket took. */
    private static void write(SocketChannel channel, ByteBuffer buffer, OutboundQueue queue) throws IOException {
        int end = buffer.limit();
        while (buffer.position() < end) {
            // A chunk at a time: a heap buffer is copied to a direct one of its size per write.
            buffer.limit(Math.min(end, buffer.position() + CHUNK_BYTES));
            if (channel.write(buffer) > 0) {
                queue.progressed();
            }
            buffer.limit(end);
        }
    }
}
