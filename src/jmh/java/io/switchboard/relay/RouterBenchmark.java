package io.switchboard.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.springframework.messaging.Message;
import org.springframework.util.unit.DataSize;

import io.switchboard.benchmark.FrameShape;
import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.Wire;

/**
 * The relay's per-message path without its sockets: the SEND frames of one read routed by
 * {@link Router} to a connected client's {@link OutboundQueue} (registry lookup, copy behind a
 * DELIVER header), then that client's batch taken, counted and marked written, as its
 * {@link ClientWriter} does around the socket write it is spared. So the queue never fills and
 * nothing waits.
 *
 * <p>The two sessions have real {@link RelayConnection}s over loopback socket pairs made once,
 * which this path never reads or writes. The meters are a Prometheus registry, as in the
 * application. {@link #route} starts from the message that {@link InboundFramesMapper} makes for
 * a read; {@link #mapAndRoute} makes that message too, as the mapper does for each read.
 */
@State(Scope.Thread)
// A fixed heap, touched up front: a growing heap faults in fresh pages while it is measured,
// which made whole iterations tens of times slower on the shared machine.
@Fork(jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark {

    // Past the Integer cache, as most IDs are: a registry lookup boxes its key.
    private static final int SENDER = 1_000_001;
    private static final int DESTINATION = 1_000_002;

    @Param({"1x64", "64x64", "1x16384"})
    public String shape;

    /**
     * What the sender is held to: nothing ({@code none}); a token's {@code send} claim of 16 IDs
     * ({@code send16}); both and rate limits set too high to bite ({@code send16+rate}), as in
     * token mode with limits.
     */
    @Param({"none", "send16", "send16+rate"})
    public String limits;

    private final List<AutoCloseable> sockets = new ArrayList<>();
    private Router router;
    private ClientSession sender;
    private ClientSession destination;
    private SendBatch batch;
    private Message<InboundFrames> message;
    private MemoryBudget budget;
    private MemoryRelief relief;
    /** The destination's last batch, handed back at the next take, as its writer does. */
    private OutboundBatch done;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        RelayProperties properties = new RelayProperties(new RelayProperties.Tcp(0, 1,
                new RelayProperties.Ssl(null, TlsClientAuth.NONE, Duration.ofSeconds(10))),
                DataSize.ofBytes(1024 * 1024), DataSize.ofBytes(4 * 1024 * 1024), null, OverflowPolicy.PAUSE,
                Duration.ofSeconds(30), 100_000, Duration.ofSeconds(10), IdStrategy.SEQUENTIAL,
                new RelayProperties.Limits(0, 0, DataSize.ofBytes(0)));
        ClientRegistry registry = new ClientRegistry();
        this.budget = new MemoryBudget(properties.maxTotalQueuedBytes().toBytes());
        RelayMetrics metrics = new RelayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), registry,
                this.budget);
        this.relief = new MemoryRelief(registry, metrics, this.budget);
        this.router = new Router(registry, properties, metrics, this.budget, this.relief, null);
        long maxQueued = properties.maxQueuedBytes().toBytes();
        int[] sendTo = new int[16];
        for (int i = 0; i < sendTo.length; i++) {
            sendTo[i] = DESTINATION - 7 + i;
        }
        ClientIdentity identity = this.limits.equals("none") ? ClientIdentity.ANONYMOUS
                : new ClientIdentity(0, "benchmark", sendTo);
        SendRate rate = this.limits.endsWith("+rate") ? new SendRate(1L << 40, 1L << 50, 1024 * 1024) : null;
        this.sender = new ClientSession(SENDER, connection(), maxQueued, metrics, this.budget, identity, rate);
        this.destination = new ClientSession(DESTINATION, connection(), maxQueued, metrics, this.budget,
                ClientIdentity.ANONYMOUS, null);
        if (!registry.add(this.sender) || !registry.add(this.destination)) {
            throw new IllegalStateException("IDs taken");
        }

        FrameShape shape = FrameShape.parse(this.shape);
        int frameBytes = Wire.SEND_HEADER_BYTES + shape.payloadBytes();
        byte[] bytes = new byte[shape.frames() * frameBytes];
        for (int i = 0; i < shape.frames(); i++) {
            Wire.putSendHeader(bytes, i * frameBytes, DESTINATION, shape.payloadBytes());
        }
        this.batch = new SendBatch(bytes, bytes.length, shape.frames(), -1, 0);
        this.message = InboundFramesMapper.message(new InboundFrames(this.sender, this.batch));

        // One round, checked: every frame reaches the destination and the sender gets no ERROR.
        route();
        OutboundBatch senders = this.sender.queue().take(null);
        if (this.destination.messagesOut() != shape.frames() || this.sender.messagesIn() != shape.frames()
                || senders.controlSize != Wire.GREETING_BYTES || senders.size != 0
                || this.destination.queuedBytes() != 0) {
            throw new IllegalStateException("the frames of " + this.shape + " were not all delivered");
        }
        this.sender.queue().written(senders);
    }

    /** The server side of a loopback connection, as the relay's factory accepts it. */
    private RelayConnection connection() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            this.sockets.add(client);
            SocketChannel server = listener.accept();
            this.sockets.add(server);
            return new RelayConnection(server.socket(), null, true, false, null, "benchmark", 1024 * 1024, this.budget,
                    this.relief);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (AutoCloseable socket : this.sockets) {
            socket.close();
        }
    }

    @Benchmark
    public void route() {
        this.router.handleMessage(this.message);
        write();
    }

    @Benchmark
    public void mapAndRoute() {
        this.router.handleMessage(InboundFramesMapper.message(new InboundFrames(this.sender, this.batch)));
        write();
    }

    /** What {@link ClientWriter} does around its socket write. */
    private void write() {
        OutboundQueue queue = this.destination.queue();
        OutboundBatch taken = queue.take(this.done);
        int before = taken.reported;
        long payload = queue.written(taken);
        this.destination.countOut(taken.reported - before, payload);
        taken.reset();
        this.done = taken;
    }
}
