package io.switchboard.admin;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The owner of the console's Server-Sent Event streams. Once a second, on one scheduler thread,
 * it samples the relay ({@link RelaySampler}) and hands each open stream's next events to a
 * small pool, one task per stream at most, so that a browser that reads slowly delays only its
 * own stream. At most {@link #MAX_STREAMS} streams are open: each renders a page a second. On
 * shutdown every stream is completed and no new one is opened ({@link #getPhase}).
 */
final class ConsoleStreams implements SmartLifecycle, AutoCloseable {

    static final int MAX_STREAMS = 32;
    static final Duration TICK = Duration.ofSeconds(1);
    /** A browser's EventSource reconnects by itself; a bound keeps a forgotten tab from holding a stream for ever. */
    static final Duration STREAM_LIFETIME = Duration.ofMinutes(10);

    private static final Log logger = LogFactory.getLog(ConsoleStreams.class);

    private final ScheduledExecutorService scheduler;
    private final RelaySampler sampler;
    private final ThreadPoolExecutor senders;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private ScheduledFuture<?> ticks;

    ConsoleStreams(RelaySampler sampler) {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("console-ticks").daemon().factory());
        this.sampler = sampler;
        // Platform threads, as for the web server's requests (application.properties says why);
        // made when needed, one per busy stream at most, so a submit is never refused.
        this.senders = new ThreadPoolExecutor(0, MAX_STREAMS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().name("console-stream-", 0).daemon().factory());
    }

    /** A new stream of the feed's events; empty when {@link #MAX_STREAMS} are open or the node is stopping. */
    Optional<SseEmitter> open(ConsoleFeed feed) {
        if (!this.running || this.streams.size() >= MAX_STREAMS) {
            return Optional.empty();
        }
        SseEmitter emitter = new SseEmitter(STREAM_LIFETIME.toMillis());
        Stream stream = new Stream(emitter, feed);
        this.streams.add(stream);
        emitter.onCompletion(() -> this.streams.remove(stream));
        emitter.onTimeout(() -> close(stream));
        emitter.onError((ex) -> close(stream));
        // The first events at once, so a page is live from its first second.
        push(stream);
        return Optional.of(emitter);
    }

    int openStreams() {
        return this.streams.size();
    }

    private void tick() {
        try {
            this.sampler.sample();
        }
        catch (RuntimeException ex) {
            logger.warn("Console: sampling the relay's meters failed", ex);
        }
        this.streams.forEach(this::push);
    }

    private void push(Stream stream) {
        if (!stream.busy.compareAndSet(false, true)) {
            return; // its previous events are still being written: skip a second rather than pile up
        }
        try {
            this.senders.execute(() -> send(stream));
        }
        catch (RejectedExecutionException ex) {
            stream.busy.set(false); // stopping: the stream is being completed
        }
    }

    private void send(Stream stream) {
        try {
            for (Map.Entry<String, String> event : stream.feed.next().entrySet()) {
                stream.emitter.send(SseEmitter.event().name(event.getKey()).data(event.getValue()));
            }
        }
        catch (IOException | IllegalStateException ex) {
            close(stream); // the browser went away, or the stream was completed meanwhile
        }
        catch (RuntimeException ex) {
            logger.warn("Console: a live page's update failed", ex);
            close(stream);
        }
        finally {
            stream.busy.set(false);
        }
    }

    private void close(Stream stream) {
        this.streams.remove(stream);
        stream.emitter.complete();
    }

    @Override
    public synchronized void start() {
        this.sampler.sample();
        this.ticks = this.scheduler.scheduleAtFixedRate(this::tick, TICK.toMillis(), TICK.toMillis(),
                TimeUnit.MILLISECONDS);
        this.running = true;
    }

    @Override
    public synchronized void stop() {
        this.running = false;
        if (this.ticks != null) {
            this.ticks.cancel(false);
        }
        this.streams.forEach(this::close);
    }

    /** With the context: its threads end (a stream being written ends with them). */
    @Override
    public void close() {
        this.scheduler.shutdownNow();
        this.senders.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /**
     * Stops just before the web server's graceful shutdown, which would otherwise wait its whole
     * timeout for these never-ending requests; and after the relay's drain, so that an operator
     * watches the drain live.
     */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }

    private record Stream(SseEmitter emitter, ConsoleFeed feed, AtomicBoolean busy) {

        Stream(SseEmitter emitter, ConsoleFeed feed) {
            this(emitter, feed, new AtomicBoolean());
        }
    }
}
