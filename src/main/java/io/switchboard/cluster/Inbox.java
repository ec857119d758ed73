package io.switchboard.cluster;

import java.time.Duration;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.stream.ByteRecord;

/**
 * Reads this node's inbox stream, one entry after another, on one thread: entries from one node
 * are in the order that node appended them, so messages of one pair stay in order. Entries read
 * are trimmed from the stream, in batches. When Redis is unreachable it tries again from the last entry
 * read, so an outage shorter than the stream's bound loses nothing.
 *
 * <p>Starts right after {@link NodeMembership} (which makes the stream and joins) and stops
 * right before it leaves.
 */
final class Inbox implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(Inbox.class);
    private static final Duration BLOCK = Duration.ofMillis(500);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(250);
    private static final int ENTRIES_PER_READ = 128;
    /** Entries read are dropped from the stream after this many, or this long, or when it is empty: it holds little more than unread ones. */
    private static final int TRIM_ENTRIES = 256;
    private static final Duration TRIM_PERIOD = Duration.ofMillis(100);

    private final RedisBackplane backplane;
    private final byte[] stream;
    private final ClusterCodec.Handler handler;
    private final long maxAgeMillis;
    private final InboxState state;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param maxAge messages older than this are dropped unread: their senders have given them up
     * @param state where this reader says whether its last read succeeded
     */
    Inbox(RedisBackplane backplane, ClusterCodec.Handler handler, Duration maxAge, InboxState state) {
        this.backplane = backplane;
        this.stream = backplane.keys().inbox(backplane.node());
        this.handler = handler;
        this.maxAgeMillis = maxAge.toMillis();
        this.state = state;
    }

    @Override
    public synchronized void start() {
        this.running = true;
        this.thread = Thread.ofVirtual().name("cluster-inbox").start(this::run);
    }

    @Override
    public synchronized void stop() {
        this.running = false;
        if (this.thread != null) {
            this.thread.interrupt();
            try {
                this.thread.join(BLOCK.multipliedBy(4));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            this.thread = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return this.thread != null;
    }

    @Override
    public int getPhase() {
        return NodeMembership.PHASE + 1;
    }

    private void run() {
        String lastId = "0-0";
        RedisConnection connection = null;
        int untrimmed = 0;
        long trimmedAt = System.nanoTime();
        while (this.running) {
            try {
                if (connection == null) {
                    connection = this.backplane.readerConnection();
                }
                List<ByteRecord> records = RedisBackplane.read(connection, this.stream, lastId, BLOCK, ENTRIES_PER_READ);
                this.state.reading(true);
                for (ByteRecord record : records) {
                    lastId = record.getId().getValue();
                    handle(record);
                }
                untrimmed += records.size();
                long now = System.nanoTime();
                // A trim costs a round trip: under load once per TRIM_ENTRIES or TRIM_PERIOD, not after every read.
                if (untrimmed > 0 && (untrimmed >= TRIM_ENTRIES || records.isEmpty() || now - trimmedAt >= TRIM_PERIOD.toNanos())) {
                    RedisBackplane.trim(connection, this.stream, lastId);
                    untrimmed = 0;
                    trimmedAt = now;
                }
            }
            catch (RuntimeException ex) {
                if (!this.running) {
                    break;
                }
                if (this.state.isReading()) {
                    logger.warn("Cannot read this node's inbox from Redis: " + ex.getMessage());
                }
                this.state.reading(false);
                connection = close(connection);
                try {
                    Thread.sleep(RETRY_PAUSE);
                }
                catch (InterruptedException interrupted) {
                    break;
                }
            }
        }
        close(connection);
    }

    private void handle(ByteRecord record) {
        try {
            // One field per entry; byte[] keys do not compare by content, so it is taken as the only value.
            for (byte[] entry : record.getValue().values()) {
                ClusterCodec.read(entry, this.maxAgeMillis, this.handler);
            }
        }
        catch (RuntimeException ex) {
            logger.error("Skipped inbox entry " + record.getId() + ": " + ex, ex);
        }
    }

    private static RedisConnection close(RedisConnection connection) {
        if (connection != null) {
            try {
                connection.close();
            }
            catch (RuntimeException ex) {
                logger.debug("Closing the inbox connection: " + ex);
            }
        }
        return null;
    }
}
