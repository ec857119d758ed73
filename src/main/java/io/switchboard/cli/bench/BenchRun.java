package io.switchboard.cli.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import io.switchboard.client.Hello;
import io.switchboard.client.ClientTls;
import io.switchboard.cli.ClientBuilders;
import io.switchboard.cli.HostPort;
import io.switchboard.client.ServerFrameReader;
import io.switchboard.client.SwitchboardClient;

/**
 * One bench run: connects the clients, runs the scenario's senders, measures the window,
 * waits for what is in flight, and gathers the figures.
 */
final class BenchRun {

    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int FLOOD_BATCH = 64;

    private final BenchOptions options;
    private final @Nullable PrintStream progress;

    BenchRun(BenchOptions options, @Nullable PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** With --other-node: the second client of each pair, and fanin's receiver, are that node's. */
    private static boolean onOtherNode(Scenario scenario, Peer peer) {
        return (scenario == Scenario.FANIN) ? peer.role == Peer.Role.RECEIVER : (peer.index & 1) == 1;
    }

    /** The server's CPU seconds, and the other node's with it; NaN when the server's PID is not known. */
    private static double serverCpuSeconds(BenchOptions o) {
        double cpu = ProcessStats.cpuSeconds(o.serverPid());
        return (o.otherNodePid() == 0) ? cpu : cpu + ProcessStats.cpuSeconds(o.otherNodePid());
    }

    BenchResult run() throws IOException, InterruptedException {
        BenchOptions o = this.options;
        Scenario scenario = o.scenario();
        int normal = o.clients();
        int total = normal + ((scenario == Scenario.SLOW) ? o.flooders() : 0);
        Payload payload = new Payload(o.size());
        Peer[] peers = new Peer[total];
        BenchClock clock = new BenchClock(o.warmup().toNanos(), o.duration().toNanos());
        for (int i = 0; i < total; i++) {
            Peer.Role role = (scenario == Scenario.FANIN && i == 0) ? Peer.Role.RECEIVER
                    : (i < normal) ? Peer.Role.NORMAL : Peer.Role.FLOODER;
            peers[i] = new Peer(i, role, peers, payload, clock);
        }
        SlowClient slow = null;
        try {
            for (Peer peer : peers) {
                HostPort node = (o.otherNode() != null && onOtherNode(scenario, peer)) ? o.otherNode() : o.server();
                peer.client = ClientBuilders.to(node, o.token(), o.tls()).frameListener(peer).connect();
                peer.id = peer.client.id();
            }
            if (scenario == Scenario.SLOW) {
                slow = SlowClient.connect(o.server(), o.token(), o.tls());
            }
            for (Peer peer : peers) {
                switch (peer.role) {
                    case NORMAL -> peer.dest = (scenario == Scenario.FANIN) ? peers[0] : peers[peer.index ^ 1];
                    case FLOODER -> peer.destId = slow.id;
                    case RECEIVER -> { }
                }
                if (peer.dest != null) {
                    peer.destId = peer.dest.id;
                }
            }
            return measure(peers, clock, payload, slow);
        }
        finally {
            clock.stop();
            for (Peer peer : peers) {
                if (peer != null && peer.client != null) {
                    peer.client.close(Duration.ZERO);
                }
            }
            if (slow != null) {
                slow.close();
            }
        }
    }

    private BenchResult measure(Peer[] peers, BenchClock clock, Payload payload, @Nullable SlowClient slow)
            throws InterruptedException {
        BenchOptions o = this.options;
        List<Thread> senders = new ArrayList<>();
        int rateSenders = (int) Arrays.stream(peers).filter((p) -> p.role == Peer.Role.NORMAL).count();
        clock.begin(System.nanoTime() + START_DELAY_NANOS);
        RatePacer pacer = new RatePacer(clock, payload);
        for (Peer peer : peers) {
            Runnable sender = switch (peer.role) {
                case RECEIVER -> null;
                case FLOODER -> () -> flood(peer, clock, payload);
                case NORMAL -> {
                    if (o.scenario().windowed()) {
                        yield () -> window(peer, clock, payload);
                    }
                    double perSender = (double) o.rate() / rateSenders;
                    pacer.add(peer, perSender, (long) (1e9 / perSender * peer.index / rateSenders));
                    yield null;
                }
            };
            if (sender != null) {
                // Virtual threads, as the client's readers: on 2 cores shared with the server, waking
                // platform threads for every credit costs this process a third more CPU per message.
                senders.add(Thread.ofVirtual().name("bench-sender-" + peer.index).start(sender));
            }
        }

        if (!o.scenario().windowed()) {
            // A platform thread: its timed waits are plain kernel timers.
            senders.add(Thread.ofPlatform().daemon().name("bench-pacer").start(pacer));
        }
        clock.sleepUntil(clock.windowStart);
        long delivered0 = delivered(peers);
        long genCpu0 = ProcessStats.ownCpuNanos();
        double serverCpu0 = serverCpuSeconds(o);
        long t0 = System.nanoTime();
        long lastDelivered = delivered0;
        for (long tick = t0 + TimeUnit.SECONDS.toNanos(1); tick - clock.windowEnd < 0; tick += TimeUnit.SECONDS.toNanos(1)) {
            clock.sleepUntil(tick);
            if (this.progress != null) {
                long d = delivered(peers);
                printProgress(tick - t0, d - lastDelivered, peers);
                lastDelivered = d;
            }
        }
        clock.sleepUntil(clock.windowEnd);
        long delivered1 = delivered(peers);
        long genCpu1 = ProcessStats.ownCpuNanos();
        double serverCpu1 = serverCpuSeconds(o);
        long t1 = System.nanoTime();

        // Senders waiting for credit wake and see the end; flooders held up by the server's
        // backpressure are released by closing their connections.
        for (Peer peer : peers) {
            peer.credit.release();
            if (peer.role == Peer.Role.FLOODER) {
                peer.client.close(Duration.ZERO);
            }
        }
        for (Thread sender : senders) {
            sender.join(Duration.ofSeconds(5));
        }
        long drainEnd = System.nanoTime() + o.drain().toNanos();
        while (inFlight(peers) > 0 && System.nanoTime() - drainEnd < 0) {
            Thread.sleep(5);
        }
        SlowClient.Drained slowDrained = (slow != null) ? slow.drain(Duration.ofSeconds(2)) : null;

        clock.stop();
        for (Peer peer : peers) {
            peer.client.close(Duration.ZERO);
        }
        for (Peer peer : peers) {
            peer.readerDone.await(5, TimeUnit.SECONDS);
        }
        BenchResult.Builder result = new BenchResult.Builder(o);
        result.measured(t1 - t0, delivered1 - delivered0);
        Histogram latency = new Histogram(3);
        for (Peer peer : peers) {
            if (peer.role == Peer.Role.FLOODER) {
                result.flood(peer.sent.get(), peer.errors);
            }
            else {
                latency.add(peer.latency);
                result.peer(peer);
            }
            String error = peer.connectionError.get();
            if (error != null) {
                result.connectionError(error);
            }
        }
        result.latency(latency, pacer.lag());
        result.cpu(genCpu1 - genCpu0, serverCpu1 - serverCpu0);
        if (slowDrained != null) {
            result.slow(slowDrained.bytes(), slowDrained.disconnected());
        }
        return result.build();
    }

    /** Pairs and fanin: at most {@code window} messages in flight, sent in one write when credit comes. */
    private void window(Peer peer, BenchClock clock, Payload payload) {
        SwitchboardClient client = peer.client;
        int window = this.options.window();
        int size = payload.size();
        byte[] message = new byte[size];
        int seq = 0;
        try {
            clock.sleepUntil(clock.start);
            while (!clock.stopped()) {
                long now = System.nanoTime();
                if (now - clock.windowEnd >= 0) {
                    return;
                }
                long credit = window - peer.inFlight();
                if (credit <= 0) {
                    // Untimed: a timed wait on a virtual thread costs a timer task each time. The
                    // reader's credit releases it, and so does the end of the run.
                    peer.credit.acquire();
                    continue;
                }
                peer.sent.addAndGet(credit);
                for (long j = 0; j < credit; j++) {
                    payload.write(message, now, peer.index, ++seq);
                    client.sendBuffered(peer.destId, message, 0, size);
                }
                client.flush();
            }
        }
        catch (IOException | InterruptedException ex) {
            peer.failed(ex);
        }
    }

    /** Slow: as fast as the server takes them, to a client that never reads. */
    private void flood(Peer peer, BenchClock clock, Payload payload) {
        SwitchboardClient client = peer.client;
        int size = payload.size();
        byte[] message = new byte[size];
        int seq = 0;
        clock.sleepUntil(clock.start);
        try {
            while (!clock.stopped() && System.nanoTime() - clock.windowEnd < 0) {
                long now = System.nanoTime();
                for (int j = 0; j < FLOOD_BATCH; j++) {
                    payload.write(message, now, peer.index, ++seq);
                    client.sendBuffered(peer.destId, message, 0, size);
                }
                client.flush();
                peer.sent.addAndGet(FLOOD_BATCH);
            }
        }
        catch (IOException ex) {
            if (System.nanoTime() - clock.windowEnd < 0) {
                peer.failed(ex);
            }
        }
    }

    private static long delivered(Peer[] peers) {
        long sum = 0;
        for (Peer peer : peers) {
            if (peer.role == Peer.Role.NORMAL) {
                sum += peer.delivered.get();
            }
        }
        return sum;
    }

    private static long inFlight(Peer[] peers) {
        long sum = 0;
        for (Peer peer : peers) {
            if (peer.role == Peer.Role.NORMAL) {
                sum += peer.inFlight();
            }
        }
        return sum;
    }

    private void printProgress(long elapsedNanos, long deliveredInTick, Peer[] peers) {
        long errors = 0;
        for (Peer peer : peers) {
            if (peer.role != Peer.Role.FLOODER) {
                for (int i = 0; i < peer.errors.length(); i++) {
                    errors += peer.errors.get(i);
                }
            }
        }
        this.progress.printf(Locale.ROOT, "[%3ds] %s: %,d msgs/s  %.2f MB/s  in flight %,d  errors %,d%n",
                Math.round(elapsedNanos / 1e9), this.options.scenario().label(), deliveredInTick,
                deliveredInTick * (double) this.options.size() / 1e6, inFlight(peers), errors);
    }

    /** The client that never reads (scenario slow): a bare socket that reads its ID and stops. */
    static final class SlowClient implements AutoCloseable {

        record Drained(long bytes, boolean disconnected) {
        }

        private final Socket socket;
        /** The TCP connection: {@link #socket}, or the one under its TLS session. */
        private final Socket transport;
        final long id;

        private SlowClient(Socket socket, Socket transport, long id) {
            this.socket = socket;
            this.transport = transport;
            this.id = id;
        }

        static SlowClient connect(HostPort server, @Nullable String token, @Nullable ClientTls tls) throws IOException {
            Socket transport = new Socket();
            try {
                transport.connect(new InetSocketAddress(server.host(), server.port()), 10_000);
                transport.setSoTimeout(10_000);
                Socket socket = transport;
                if (tls != null) {
                    SSLSocket session = tls.layer(transport, server.host(), server.port());
                    session.startHandshake();
                    socket = session;
                }
                if (token != null) {
                    socket.getOutputStream().write(Hello.frame(token));
                }
                // The reader may read past the greeting; nothing is sent to a client before
                // others know its ID, so drain() still counts every byte sent to it.
                long id = new ServerFrameReader(socket.getInputStream()).readGreeting();
                if (id == 0) {
                    throw new IOException("the server did not admit the slow client: its token was refused");
                }
                return new SlowClient(socket, transport, id);
            }
            catch (IOException ex) {
                transport.close();
                throw ex;
            }
        }

        /** After the run: reads what it was sent, until quiet for 300 ms, the end, or {@code max}. */
        Drained drain(Duration max) {
            byte[] buffer = new byte[256 * 1024];
            long total = 0;
            long end = System.nanoTime() + max.toNanos();
            try {
                this.socket.setSoTimeout(300);
                InputStream in = this.socket.getInputStream();
                while (System.nanoTime() - end < 0) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        throw new EOFException();
                    }
                    total += n;
                }
                return new Drained(total, false);
            }
            catch (SocketTimeoutException ex) {
                return new Drained(total, false);
            }
            catch (IOException ex) {
                return new Drained(total, true);
            }
        }

        @Override
        public void close() throws IOException {
            // The TCP connection first: a TLS close_notify would wait for room the server never makes.
            this.transport.close();
            this.socket.close();
        }
    }
}
