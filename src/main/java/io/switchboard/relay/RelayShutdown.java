package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * The relay's part of a graceful shutdown: stop taking connections, let every client's writer
 * flush what is queued for it for up to {@code shutdown-grace}, then close what is left, whose
 * unwritten messages end as DESTINATION_GONE.
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
        long deadline = System.nanoTime() + this.grace.toNanos();
        List<ClientSession> sessions = new ArrayList<>(this.registry.all());
        logger.info("Relay shutting down: no new connections; flushing the queues of " + sessions.size()
                + " clients for up to " + this.grace);
        for (ClientSession session : sessions) {
            session.queue().drainAndClose();
        }
        try {
            for (ClientSession session : sessions) {
                session.awaitClosed(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        // Those that did not drain in time, and any admitted while the listener was closing.
        int left = 0;
        for (ClientSession session : this.registry.all()) {
            left++;
            session.disconnect();
        }
        if (left > 0) {
            logger.info("Relay shut down: closed " + left + " clients whose queues had not flushed");
        }
        else {
            logger.info("Relay shut down: every queue flushed");
        }
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
