package io.switchboard.relay;

import java.io.IOException;
import java.io.OutputStream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The one thread that writes to a client's socket: it takes everything queued in one swap and
 * writes it with no lock held, so a client that does not read blocks only this thread.
 * Writes go in chunks so that a slow reader's progress is seen by the slow-consumer check.
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
            OutputStream out = this.session.connection().output();
            OutboundBatch batch;
            while ((batch = queue.take()) != null) {
                try {
                    write(out, batch, queue);
                }
                catch (IOException ex) {
                    logger.debug("Write to " + this.session + " failed: " + ex);
                    queue.failed(batch);
                    return;
                }
                this.session.countOut(batch.messages, batch.payloadBytes);
                queue.written(batch);
            }
        }
        catch (IOException ex) {
            logger.debug("No output stream for " + this.session + ": " + ex);
        }
        finally {
            // Closed, drained after a FRAME_TOO_LARGE or at shutdown, or broken: the connection ends.
            this.session.disconnect();
        }
    }

    private static void write(OutputStream out, OutboundBatch batch, OutboundQueue queue) throws IOException {
        int size = batch.size;
        if (size <= CHUNK_BYTES) {
            out.write(batch.bytes, 0, size);
            return;
        }
        for (int off = 0; off < size; off += CHUNK_BYTES) {
            out.write(batch.bytes, off, Math.min(CHUNK_BYTES, size - off));
            queue.progressed();
        }
    }
}
