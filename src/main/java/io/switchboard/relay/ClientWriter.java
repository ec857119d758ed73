package io.switchboard.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The one thread that writes to a client's socket: it takes everything queued in one swap and
 * writes it with no lock held, so a client that does not read blocks only this thread.
 * Writes go in chunks; any bytes the socket takes count as progress for the slow-consumer
 * check, and the messages whose frames they complete are delivered at once, so that the queue
 * never counts bytes the socket already has. When the connection fails mid-batch, the bytes
 * the socket took decide which messages were written (the client can still read them) and
 * which are gone. When the queue says it is done (closed, or drained and its client finished),
 * the writer closes the connection. Under TLS the chunks are TLS records written through the
 * session ({@link TlsTransport#write}), and a record whose write failed counts as not taken.
 */
final class ClientWriter implements Runnable {

    private static final Log logger = LogFactory.getLog(ClientWriter.class);

    /**
     * Most bytes handed to one write call: the JDK copies heap buffers into a direct buffer of
     * their size per call, which it keeps per carrier thread.
     */
    static final int CHUNK_BYTES = 256 * 1024;

    private final ClientSession session;

    ClientWriter(ClientSession session) {
        this.session = session;
    }

    @Override
    public void run() {
        OutboundQueue queue = this.session.queue();
        boolean inOrder = false;
        try {
            // Under TLS the session has no channel: chunks of one TLS record go through its stream.
            TlsTransport tls = this.session.connection().tls();
            SocketChannel channel = (tls == null) ? this.session.connection().channel() : null;
            OutboundBatch batch = null;
            while ((batch = queue.take(batch)) != null) {
                ByteBuffer[] views = batch.views();
                int count = batch.viewCount;
                long total = batch.streamBytes();
                long done = 0;
                int first = 0;
                try {
                    while (done < total) {
                        long n = (tls == null) ? writeChunk(channel, views, first, count)
                                : tls.write(views, first, count);
                        if (n > 0) {
                            done += n;
                            if (done < total) {
                                int before = batch.reported;
                                long payload = queue.advanced(batch, done);
                                this.session.countOut(batch.reported - before, payload);
                            }
                        }
                        while (first < count && !views[first].hasRemaining()) {
                            first++;
                        }
                    }
                }
                catch (IOException ex) {
                    logger.debug("Write to " + this.session + " failed: " + ex);
                    int before = batch.reported;
                    long payload = queue.failed(batch, done);
                    this.session.countOut(batch.reported - before, payload);
                    return;
                }
                int before = batch.reported;
                long payload = queue.written(batch);
                this.session.countOut(batch.reported - before, payload);
                batch.reset();
            }
            // Drained, and the client's own traffic finished (unless the queue was closed).
            inOrder = !queue.isClosed();
        }
        catch (IOException ex) {
            logger.debug("No channel for " + this.session + ": " + ex);
        }
        finally {
            if (inOrder) {
                this.session.connection().closeInOrder();
            }
            else {
                this.session.disconnect();
            }
        }
    }

    /**
     * One write of at most {@link #CHUNK_BYTES} from {@code views[first, count)}, in order.
     * @return the bytes the socket took
     */
    private static long writeChunk(SocketChannel channel, ByteBuffer[] views, int first, int count) throws IOException {
        long room = CHUNK_BYTES;
        int last = first;
        int cut = -1;
        int savedLimit = 0;
        while (last < count) {
            ByteBuffer view = views[last++];
            int remaining = view.remaining();
            if (remaining >= room) {
                if (remaining > room) {
                    cut = last - 1;
                    savedLimit = view.limit();
                    view.limit(view.position() + (int) room);
                }
                break;
            }
            room -= remaining;
        }
        try {
            return (last - first == 1) ? channel.write(views[first]) : channel.write(views, first, last - first);
        }
        finally {
            if (cut >= 0) {
                views[cut].limit(savedLimit);
            }
        }
    }
}
