package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * The relay's part of a graceful shutdown (PROTOCOL.md section 5, "Disconnecting a client"):
 * <ol>
 * <li>stop taking connections;</li>
 * <li>stop reading: nothing new arrives, and what was read in full is routed (a reader paused
 * for room goes on waiting for it);</li>
 * <li>drain: every queue keeps taking messages and is written; a client's connection closes
 * once its own SENDs all have their outcomes and everything queued for it is written;</li>
 * <li>when {@code shutdown-grace} is nearly over, what is still queued and not yet being
 * written ends as DESTINATION_GONE, and the clients whose writes have stalled are closed, so
 * that those ERRORs reach the senders that still read, in the last moments of the grace;</li>
 * <li>close what is left.</li>
 * </ol>
 *
 * <p>Boot marks the application as refusing traffic when the context starts closing, before any
 * lifecycle stops, so readiness is already OUT_OF_SERVICE when this runs.
 */
final class RelayShutdown implements SmartLifecycle {

    /**
     * Stops before the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}), so that
     * probes and the admin API are still answered while clients drain, and well before Spring
     * Integration's endpoints ({@code Integer.MAX_VALUE / 2}), whose stop closes every connection.
     */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    /** The last part of the grace, kept for the ERRORs of messages that could not be written. */
    private static final Duration LAST_FLUSH = Duration.ofSeconds(1);

    /** A client whose queue made no write progress for this long when the grace ends has stalled. */
    private static final long STALLED_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private static final Log logger = LogFactory.getLog(RelayShutdown.class);

    private final ClientRegistry registry;
    private final ConnectionLifecycle lifecycle;
    private final RelayServerConnectionFactory factory;
    private final Duration grace;
    private volatile boolean running;

    RelayShutdown(ClientRegistry registry, ConnectionLifecycle lifecycle, RelayServerConnectionFactory factory,
            Duration grace) {
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.factory = factory;
        this.grace = grace;
    }

    @Override
    public void start() {
        // After a stop, as when a test context is restarted: take connections again.
        this.lifecycle.startAccepting();
        this.running = true;
    }

    /** A paused context (Spring's test cache) must not drain and close its clients. */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public void stop() {
        if (!this.running) {
            return;
        }
        this.running = false;
        this.lifecycle.stopAccepting();
        this.factory.stopListening();
        drain();
    }

    private void drain() {
        long start = System.nanoTime();
        long deadline = start + this.grace.toNanos();
        long lastFlush = deadline - Math.min(LAST_FLUSH.toNanos(), this.grace.toNanos() / 10);
        List<ClientSession> sessions = new ArrayList<>(this.registry.all());
        logger.info("Relay shutting down: no new connections; draining " + sessions.size()
                + " clients for up to " + this.grace);
        for (ClientSession session : sessions) {
            session.drainForShutdown();
        }
        int cut = 0;
        int unfinished = awaitClosed(lastFlush);
        if (unfinished > 0) {
            // The grace is nearly over: end what waits, and free the senders of stalled clients.
            long now = System.nanoTime();
            for (ClientSession session : this.registry.all()) {
                session.queue().expire();
            }
            for (ClientSession session : this.registry.all()) {
                long since = session.queue().stalledSinceNanos();
                if (since != 0 && now - since >= STALLED_NANOS) {
                    session.disconnect();
                    cut++;
                }
            }
            awaitClosed(deadline);
        }
        // Those that did not finish in time, and any admitted while the listener was closing.
        for (ClientSession session : this.registry.all()) {
            cut++;
            session.disconnect();
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (cut > 0) {
            logger.info("Relay shut down in " + took + " ms: closed " + cut
                    + " clients whose queues had not flushed; what was left for them ended as DESTINATION_GONE");
        }
        else {
            logger.info("Relay shut down in " + took + " ms: every queue flushed");
        }
    }

    /** Waits until every client is closed or the deadline passes; returns how many are left. */
    private int awaitClosed(long deadline) {
        try {
            for (ClientSession session : new ArrayList<>(this.registry.all())) {
                session.awaitClosed(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return this.registry.size();
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
