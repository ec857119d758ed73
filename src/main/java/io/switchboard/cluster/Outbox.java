package io.switchboard.cluster;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.MessageOrigin;

/**
 * What this node has to write to one other node's inbox. Senders append records under a short
 * lock and never wait for Redis; one drain at a time appends everything gathered so far as one
 * stream entry, so records keep the order in which they were appended (per-pair order) and a
 * busy pair of nodes gets large entries rather than many small ones.
 *
 * <p>When an entry cannot be written (Redis unreachable, or the node's inbox gone with it), the
 * messages in it are reported to {@code lost}, which ends them as DESTINATION_GONE.
 *
 * <p>It is also the origin of the messages that its node sent here: a local queue hands their
 * outcomes back with the message's ticket as its {@code seq}, and they go back in this outbox.
 */
final class Outbox implements MessageOrigin {

    private static final Log logger = LogFactory.getLog(Outbox.class);

    private final String node;
    private final RedisBackplane backplane;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

    private final Consumer<long[]> lost;
    private final long retryNanos;
    private final Object lock = new Object();
    private ClusterFrames.Builder filling;
    private long[] tickets = new long[16];
    private int ticketCount;
    private final AtomicLong ticketSource;
    private final long createdNanos = System.nanoTime();
    /** Written by the inbox reader only. */
    private volatile long takenUpTo;
    private boolean draining;
    private boolean closed;

    /**
     * @param retryFor how long outcomes that could not be written are tried again; messages are
     *        never tried again, their senders learn at once that they are lost
     */
    Outbox(String node, String self, RedisBackplane backplane, AtomicLong tickets, Consumer<long[]> lost,
            Duration retryFor) {
        this.node = node;
        this.ticketSource = tickets;
        this.retryNanos = retryFor.toNanos();
        this.backplane = backplane;
        this.lost = lost;
        this.filling = new ClusterFrames.Builder(self);
    }

    String node() {
        return this.node;
    }

    long createdNanos() {
        return this.createdNanos;
    }

    /**
     * Appends a message with the next ticket, registered first so that its outcome, which may
     * come back as soon as the lock is released, finds it.
     * @return the ticket, or -1 when this outbox is closed: its node has left
     */
    long message(int src, int dest, byte[] payload, int offset, int length, LongConsumer register) {
        synchronized (this.lock) {
            if (this.closed) {
                return -1;
            }
            long ticket = this.ticketSource.incrementAndGet();
            register.accept(ticket);
            this.filling.message(ticket, src, dest, payload, offset, length);
            if (this.ticketCount == this.tickets.length) {
                this.tickets = Arrays.copyOf(this.tickets, this.ticketCount * 2);
            }
            this.tickets[this.ticketCount++] = ticket;
            scheduled();
            return ticket;
        }
    }

    /** The other node has taken every message up to {@code ticket}. */
    void taken(long ticket) {
        if (ticket > this.takenUpTo) {
            this.takenUpTo = ticket;
        }
    }

    boolean isTaken(long ticket) {
        return ticket <= this.takenUpTo;
    }

    @Override
    public void delivered(int dest, long ticket) {
        outcome(ticket, ClusterFrames.STATUS_WRITTEN);
    }

    @Override
    public void failed(ErrorCode code, int dest, long ticket) {
        outcome(ticket, code.code());
    }

    void outcome(long ticket, int status) {
        synchronized (this.lock) {
            if (!this.closed) {
                this.filling.outcome(ticket, status);
                scheduled();
            }
        }
    }

    boolean disconnect(int id) {
        synchronized (this.lock) {
            if (this.closed) {
                return false;
            }
            this.filling.disconnect(id);
            scheduled();
            return true;
        }
    }

    boolean request(long request, byte kind, byte[] body) {
        synchronized (this.lock) {
            if (this.closed) {
                return false;
            }
            this.filling.request(request, kind, body);
            scheduled();
            return true;
        }
    }

    void reply(long request, byte[] body) {
        synchronized (this.lock) {
            if (!this.closed) {
                this.filling.reply(request, body);
                scheduled();
            }
        }
    }

    private void scheduled() {
        if (!this.draining) {
            this.draining = true;
            Thread.ofVirtual().name("cluster-outbox-" + this.node).start(this::drain);
        }
    }

    private void drain() {
        long failingSince = 0;
        while (true) {
            byte[] entry;
            long[] sent;
            synchronized (this.lock) {
                if (this.filling.isEmpty() || this.closed) {
                    this.draining = false;
                    return;
                }
                entry = this.filling.take();
                sent = Arrays.copyOf(this.tickets, this.ticketCount);
                this.ticketCount = 0;
                if (this.tickets.length > 4096) {
                    this.tickets = new long[16];
                }
            }
            if (tryAppend(entry)) {
                failingSince = 0;
                continue;
            }
            if (sent.length > 0) {
                this.lost.accept(sent);
            }
            long now = System.nanoTime();
            failingSince = (failingSince == 0) ? now : failingSince;
            if (now - failingSince < this.retryNanos) {
                // Outcomes are owed to messages the other node has taken, whose senders wait for them: kept for when Redis is back.
                requeueOutcomes(entry);
                try {
                    Thread.sleep(RETRY_PAUSE);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    synchronized (this.lock) {
                        this.draining = false;
                    }
                    return;
                }
            }
        }
    }

    private boolean tryAppend(byte[] entry) {
        try {
            if (this.backplane.append(this.node, entry)) {
                return true;
            }
            logger.debug("Node " + this.node + " has no inbox: it has left, or Redis lost it");
        }
        catch (RuntimeException ex) {
            logger.debug("Could not write to node " + this.node + ": " + ex);
        }
        return false;
    }

    private void requeueOutcomes(byte[] entry) {
        ClusterFrames.read(entry, Long.MAX_VALUE, new ClusterFrames.Handler() {
            @Override
            public void outcome(String from, long ticket, int status) {
                Outbox.this.outcome(ticket, status);
            }
        });
    }

    /** The node has left: nothing more is taken, what is waiting is lost. */
    void close() {
        long[] unsent;
        synchronized (this.lock) {
            this.closed = true;
            unsent = Arrays.copyOf(this.tickets, this.ticketCount);
            this.ticketCount = 0;
            this.filling.take();
        }
        if (unsent.length > 0) {
            this.lost.accept(unsent);
        }
    }
}
