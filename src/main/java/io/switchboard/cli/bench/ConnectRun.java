package io.switchboard.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import io.switchboard.client.Hello;
import io.switchboard.protocol.Wire;

/**
 * Scenario {@code connect}: opens C connections, at most W connects in flight, and waits for
 * each one's greeting; then holds them all open for the duration, reads the server's resident
 * memory, and closes them.
 *
 * <p>One thread and one selector with non-blocking connects, because a client that spends a
 * thread or a blocking call per connection costs more CPU than the server it measures (a
 * virtual thread per connect gave 3,400 connects/s here, where this gives the server's rate).
 */
final class ConnectRun {

    /** A connect without an answer for this long is counted as failed. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final BenchOptions options;
    private final @Nullable PrintStream progress;
    private final byte @Nullable [] hello;

    ConnectRun(BenchOptions options, @Nullable PrintStream progress) {
        this.options = options;
        this.progress = progress;
        this.hello = (options.token() == null) ? null : Hello.frame(options.token());
    }

    /** A connection waiting for its greeting. */
    private static final class Pending {

        final int index;
        final ByteBuffer greeting = ByteBuffer.allocate(Wire.GREETING_BYTES);

        Pending(int index) {
            this.index = index;
        }
    }

    ConnectResult run() throws IOException, InterruptedException {
        BenchOptions o = this.options;
        InetSocketAddress address = new InetSocketAddress(o.server().host(), o.server().port());
        long serverRss0 = ProcessStats.rssKilobytes(o.serverPid());
        double serverCpu0 = ProcessStats.cpuSeconds(o.serverPid());
        long genCpu0 = ProcessStats.ownCpuNanos();
        SocketChannel[] channels = new SocketChannel[o.clients()];
        int[] ids = new int[o.clients()];
        int greetedCount = 0;
        List<String> failures = new ArrayList<>();
        long failed = 0;
        int started = 0;
        int finished = 0;
        int inFlight = 0;
        long t0 = System.nanoTime();
        try (Selector selector = Selector.open()) {
            long lastProgress = System.nanoTime();
            while (finished < o.clients()) {
                while (inFlight < o.window() && started < o.clients()) {
                    SocketChannel channel = SocketChannel.open();
                    channels[started] = channel;
                    channel.configureBlocking(false);
                    try {
                        boolean connected = channel.connect(address);
                        if (connected) {
                            sayHello(channel);
                        }
                        channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT,
                                new Pending(started));
                    }
                    catch (IOException ex) {
                        failed++;
                        finished++;
                        note(failures, "connect: " + ex);
                        channel.close();
                        started++;
                        continue;
                    }
                    started++;
                    inFlight++;
                }
                if (inFlight == 0) {
                    continue;
                }
                if (selector.select(TimeUnit.NANOSECONDS.toMillis(STALL_NANOS)) == 0) {
                    // Nothing answered for that long: every connect in flight has failed.
                    for (SelectionKey key : selector.keys()) {
                        key.channel().close();
                    }
                    failed += inFlight;
                    finished += inFlight;
                    note(failures, inFlight + " connects without an answer for 10 s");
                    inFlight = 0;
                    continue;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel channel = (SocketChannel) key.channel();
                    Pending pending = (Pending) key.attachment();
                    try {
                        if (key.isConnectable()) {
                            if (channel.finishConnect()) {
                                sayHello(channel);
                                key.interestOps(SelectionKey.OP_READ);
                            }
                            continue;
                        }
                        if (channel.read(pending.greeting) < 0) {
                            throw new IOException("closed before its greeting");
                        }
                        if (pending.greeting.hasRemaining()) {
                            continue;
                        }
                        key.cancel();
                        ids[greetedCount++] = Wire.getInt(pending.greeting.array(), 0);
                    }
                    catch (IOException ex) {
                        key.cancel();
                        channel.close();
                        failed++;
                        note(failures, "connection " + pending.index + ": " + ex);
                    }
                    finished++;
                    inFlight--;
                }
                selector.selectedKeys().clear();
                if (this.progress != null && System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(1)) {
                    lastProgress = System.nanoTime();
                    this.progress.printf("connect: %d of %d greeted%n", finished - failed, o.clients());
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long genCpu1 = ProcessStats.ownCpuNanos();
            double serverCpu1 = ProcessStats.cpuSeconds(o.serverPid());
            // Held open so that the server's memory is read with every client connected and idle.
            TimeUnit.NANOSECONDS.sleep(o.duration().toNanos());
            long serverRss1 = ProcessStats.rssKilobytes(o.serverPid());
            long greeted = greetedCount;
            long badIds = badIds(Arrays.copyOf(ids, greetedCount), failures);
            return new ConnectResult(o, seconds, greeted, failed, badIds, failures,
                    (genCpu0 < 0 || greeted == 0) ? Double.NaN : (genCpu1 - genCpu0) / 1e3 / greeted,
                    (greeted == 0) ? Double.NaN : (serverCpu1 - serverCpu0) * 1e6 / greeted, serverRss0, serverRss1);
        }
        finally {
            for (SocketChannel channel : channels) {
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }

    /** In token mode, the HELLO: a few hundred bytes, which a new connection's socket buffer takes at once. */
    private void sayHello(SocketChannel channel) throws IOException {
        if (this.hello != null) {
            ByteBuffer frame = ByteBuffer.wrap(this.hello);
            channel.write(frame);
            if (frame.hasRemaining()) {
                throw new IOException("the HELLO did not fit the socket's buffer");
            }
        }
    }

    /** IDs given to two connected clients, or 0, which PROTOCOL.md says no client has (and token mode answers a refusal with). */
    private static long badIds(int[] ids, List<String> failures) {
        Arrays.sort(ids);
        long bad = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == 0 || (i > 0 && ids[i] == ids[i - 1])) {
                bad++;
                note(failures, "ID " + Integer.toUnsignedLong(ids[i]) + " given to two clients, or 0");
            }
        }
        return bad;
    }

    private static void note(List<String> failures, String failure) {
        if (failures.size() < 5) {
            failures.add(failure);
        }
    }
}
