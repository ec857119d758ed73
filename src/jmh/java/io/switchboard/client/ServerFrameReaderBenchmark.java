package io.switchboard.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.infra.Blackhole;

import io.switchboard.benchmark.FrameShape;
import io.switchboard.protocol.Wire;

/**
 * The client's reader: {@code frames} DELIVER frames handed over by
 * {@link ServerFrameReader#readFrames} to a listener that consumes each payload's slice (as
 * bench's does, with no copy), from an in-memory stream that repeats them for ever, so the
 * reader and its buffer are made once, as on a real connection. A call reads whatever one read
 * brings, so an operation takes frames until it has {@code frames} and carries the surplus over
 * to the next.
 */
@State(Scope.Thread)
// A fixed heap, touched up front: a growing heap faults in fresh pages while it is measured,
// which made whole iterations tens of times slower on the shared machine.
@Fork(jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ServerFrameReaderBenchmark {

    @Param({"1x64", "64x64", "1x16384"})
    public String shape;

    private int frames;
    private ServerFrameReader reader;
    /** Frames still to take in this operation: below 0 when a read brought more. */
    private long owed;
    private Blackhole sink;
    private final FrameListener consumer = new FrameListener() {
        @Override
        public void onDeliver(long src, byte[] buffer, int offset, int length) {
            ServerFrameReaderBenchmark.this.sink.consume(buffer[offset + length - 1]);
            ServerFrameReaderBenchmark.this.owed--;
        }

        @Override
        public void onSendError(SendError error) {
            throw new IllegalStateException("an ERROR in a stream of DELIVERs: " + error);
        }
    };

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        FrameShape shape = FrameShape.parse(this.shape);
        int frameBytes = Wire.DELIVER_HEADER_BYTES + shape.payloadBytes();
        byte[] stream = new byte[shape.frames() * frameBytes];
        for (int i = 0; i < shape.frames(); i++) {
            Wire.putDeliverHeader(stream, i * frameBytes, 1, shape.payloadBytes());
        }
        this.frames = shape.frames();
        this.reader = new ServerFrameReader(new LoopingInputStream(stream));
        long[] taken = new long[1];
        this.reader.readFrames(new FrameListener() {
            @Override
            public void onDeliver(long src, byte[] buffer, int offset, int length) {
                if (src != 1 || length != shape.payloadBytes()) {
                    throw new IllegalStateException("not the DELIVER frames of " + ServerFrameReaderBenchmark.this.shape);
                }
                taken[0]++;
            }

            @Override
            public void onSendError(SendError error) {
                throw new IllegalStateException("not the DELIVER frames of " + ServerFrameReaderBenchmark.this.shape);
            }
        });
        this.owed = -taken[0];
    }

    @Benchmark
    public void read(Blackhole bh) throws IOException {
        this.sink = bh;
        this.owed += this.frames;
        while (this.owed > 0) {
            this.reader.readFrames(this.consumer);
        }
    }

    /** The same bytes over and over, each read up to the end of the array at most. */
    static final class LoopingInputStream extends InputStream {

        private final byte[] bytes;
        private int pos;

        LoopingInputStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            int b = this.bytes[this.pos] & 0xFF;
            this.pos = (this.pos + 1) % this.bytes.length;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = Math.min(len, this.bytes.length - this.pos);
            System.arraycopy(this.bytes, this.pos, b, off, n);
            this.pos = (this.pos + n) % this.bytes.length;
            return n;
        }

        @Override
        public int available() {
            return this.bytes.length - this.pos;
        }
    }
}
