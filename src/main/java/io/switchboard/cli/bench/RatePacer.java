package io.switchboard.cli.bench;

import java.io.IOException;
import java.util.Comparator;
import java.util.PriorityQueue;

import org.HdrHistogram.Histogram;

/**
 * Latency and slow: every rate sender's messages at their own due times, sent from one thread.
 * One timer wake-up serves whichever sender is due next, rather than one sleeping thread per
 * sender, which on 2 cores shared with the server costs the run more than the messages do.
 * A sender that is late catches up in one write of the messages it owes (at most 256).
 */
final class RatePacer implements Runnable {

    private static final int MAX_BATCH = 256;

    private final BenchClock clock;
    private final Payload payload;
    private final byte[] message;
    private final Histogram lag = new Histogram(3);
    private final PriorityQueue<Sender> due = new PriorityQueue<>(Comparator.comparingLong((Sender s) -> s.next));

    private static final class Sender {
        final Peer peer;
        final long t0;
        final long interval;
        long k;
        long next;
        int seq;

        Sender(Peer peer, long t0, long interval) {
            this.peer = peer;
            this.t0 = t0;
            this.interval = interval;
            this.next = t0;
        }
    }

    RatePacer(BenchClock clock, Payload payload) {
        this.clock = clock;
        this.payload = payload;
        this.message = new byte[payload.size()];
    }

    /** Adds a sender of {@code perSecond} messages, its first one {@code phaseNanos} after the start. */
    void add(Peer peer, double perSecond, long phaseNanos) {
        this.due.add(new Sender(peer, this.clock.start + phaseNanos, Math.max(1, (long) (1e9 / perSecond))));
    }

    /** How late the sends were; read once the pacer has ended. */
    Histogram lag() {
        return this.lag;
    }

    @Override
    public void run() {
        while (!this.due.isEmpty()) {
            Sender s = this.due.poll();
            if (s.next - this.clock.windowEnd >= 0) {
                continue; // done
            }
            if (!this.clock.sleepUntil(s.next)) {
                return;
            }
            long now = System.nanoTime();
            long owed = Math.clamp((now - s.t0) / s.interval + 1 - s.k, 1, MAX_BATCH);
            if (this.clock.inWindow(s.next)) {
                this.lag.recordValue(Math.max(0, now - s.next));
            }
            try {
                s.peer.sent.addAndGet(owed);
                for (long j = 0; j < owed; j++) {
                    this.payload.write(this.message, now, s.peer.index, ++s.seq);
                    s.peer.client.sendBuffered(s.peer.destId, this.message, 0, this.message.length);
                }
                s.peer.client.flush();
            }
            catch (IOException ex) {
                s.peer.failed(ex);
                continue; // this sender stops; the others go on
            }
            s.k += owed;
            s.next = s.t0 + s.k * s.interval;
            this.due.add(s);
        }
    }
}
