package io.switchboard.protocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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

import io.switchboard.benchmark.FrameShape;

/**
 * The server's SEND decoder: one {@link SendBatchReader#read} of a stream that holds
 * {@code frames} coalesced SEND frames, as one socket read of a client that sent them in a burst.
 * The stream is in memory, so this is the decoder's own cost: its buffer and its parsing.
 */
@State(Scope.Thread)
// A fixed heap, touched up front: a growing heap faults in fresh pages while it is measured,
// which made whole iterations tens of times slower on the shared machine.
@Fork(jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SendBatchReaderBenchmark {

    @Param({"1x64", "64x64", "1x16384"})
    public String shape;

    /** One reader for every read, as a connection keeps its own (with its first-read buffer). */
    private SendBatchReader reader;
    private ByteArrayInputStream in;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        FrameShape frames = FrameShape.parse(this.shape);
        int frameBytes = Wire.SEND_HEADER_BYTES + frames.payloadBytes();
        byte[] stream = new byte[frames.frames() * frameBytes];
        for (int i = 0; i < frames.frames(); i++) {
            Wire.putSendHeader(stream, i * frameBytes, 2, frames.payloadBytes());
        }
        this.reader = new SendBatchReader(1024 * 1024);
        this.in = new ByteArrayInputStream(stream);
        // The whole stream must come out as one batch, or the figures are not per N frames.
        SendBatch batch = read();
        if (batch.frames() != frames.frames() || batch.end() != stream.length) {
            throw new IllegalStateException("one read gave " + batch.frames() + " frames of " + this.shape);
        }
    }

    @Benchmark
    public SendBatch read() throws IOException {
        this.in.reset();
        return this.reader.read(this.in);
    }
}
