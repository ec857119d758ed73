package io.switchboard.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SendBatchReaderTest {

    record Frame(int dest, byte[] payload) {

        byte[] bytes() {
            byte[] frame = new byte[Wire.SEND_HEADER_BYTES + this.payload.length];
            Wire.putSendHeader(frame, 0, this.dest, this.payload.length);
            System.arraycopy(this.payload, 0, frame, Wire.SEND_HEADER_BYTES, this.payload.length);
            return frame;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Frame f && f.dest == this.dest && Arrays.equals(f.payload, this.payload);
        }

        @Override
        public int hashCode() {
            return this.dest * 31 + Arrays.hashCode(this.payload);
        }

        @Override
        public String toString() {
            return "Frame[" + Integer.toUnsignedLong(this.dest) + ", " + this.payload.length + " bytes]";
        }
    }

    /** The largest payload limit: a frame must fit a Java array. */
    private static final long LARGEST_LIMIT = Integer.MAX_VALUE - 64;

    private static final List<Frame> FRAMES = List.of(new Frame(8, "hi".getBytes()), new Frame(0, new byte[0]),
            new Frame(0xFFFF_FFFF, payload(300)), new Frame(7, new byte[] { 0 }));

    private static byte[] payload(int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i * 13);
        }
        return payload;
    }

    private static byte[] bytesOf(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(frame -> out.writeBytes(frame.bytes()));
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static List<Frame> framesOf(SendBatch batch) {
        List<Frame> frames = new ArrayList<>();
        batch.forEach((dest, bytes, offset, length) -> frames.add(new Frame(dest, Arrays.copyOfRange(bytes, offset, offset + length))));
        assertThat(frames).hasSize(batch.frames());
        return frames;
    }

    /** Reads batches until the stream ends between frames; each batch must end on a frame boundary. */
    private static List<List<Frame>> readAll(SendBatchReader reader, InputStream in) throws IOException {
        List<List<Frame>> batches = new ArrayList<>();
        while (true) {
            SendBatch batch;
            try {
                batch = reader.read(in);
            }
            catch (EOFException ex) {
                return batches;
            }
            assertThat(batch.hasOversizedFrame()).isFalse();
            assertThat(batch.frames()).isPositive();
            batches.add(framesOf(batch));
        }
    }

    @Test
    void oneFrame() throws IOException {
        Frame frame = new Frame(8, "hi".getBytes());
        SendBatch batch = new SendBatchReader(1024).read(new ByteArrayInputStream(frame.bytes()));
        assertThat(batch.frames()).isEqualTo(1);
        assertThat(batch.end()).isEqualTo(10);
        assertThat(batch.hasOversizedFrame()).isFalse();
        assertThat(framesOf(batch)).containsExactly(frame);
    }

    /** Counts the calls a reader makes, as system calls on a socket. */
    private static final class CountingInputStream extends ByteArrayInputStream {

        int reads;
        int availableCalls;

        CountingInputStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int read() {
            this.reads++;
            return super.read();
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            this.reads++;
            return super.read(b, off, len);
        }

        @Override
        public synchronized int available() {
            this.availableCalls++;
            return super.available();
        }
    }

    @Test
    void aShortFrameTakesOneReadAndNoAvailableCall() throws IOException {
        Frame frame = new Frame(8, payload(SendBatchReader.FIRST_READ_BYTES - Wire.SEND_HEADER_BYTES - 1));
        CountingInputStream in = new CountingInputStream(frame.bytes());
        assertThat(framesOf(new SendBatchReader(1024).read(in))).containsExactly(frame);
        assertThat(in.reads).isEqualTo(1);
        assertThat(in.availableCalls).isZero();
    }

    @Test
    void aBurstLongerThanTheFirstReadTakesTwoReads() throws IOException {
        List<Frame> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(new Frame(i, payload(64)));
        }
        CountingInputStream in = new CountingInputStream(bytesOf(many));
        assertThat(framesOf(new SendBatchReader(1024).read(in))).isEqualTo(many);
        assertThat(in.reads).isEqualTo(2);
        assertThat(in.availableCalls).isEqualTo(1);
    }

    @Test
    void framesOfOneReadComeInOneBatch() throws IOException {
        List<Frame> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(new Frame(i, payload(i % 20)));
        }
        SendBatch batch = new SendBatchReader(1024).read(new ByteArrayInputStream(bytesOf(many)));
        assertThat(framesOf(batch)).isEqualTo(many);
    }

    @Test
    void splitAtEveryOffsetGivesTheSameFrames() throws IOException {
        byte[] bytes = bytesOf(FRAMES);
        for (int cut = 1; cut < bytes.length; cut++) {
            List<List<Frame>> batches = readAll(new SendBatchReader(1024), ChunkedInputStream.split(bytes, cut));
            assertThat(batches.stream().flatMap(List::stream).toList()).as("cut at %s", cut).isEqualTo(FRAMES);
        }
    }

    @Test
    void splitAtEveryPairOfOffsetsGivesTheSameFrames() throws IOException {
        byte[] bytes = bytesOf(FRAMES.subList(0, 2));
        for (int first = 1; first < bytes.length; first++) {
            for (int second = first; second < bytes.length; second++) {
                List<List<Frame>> batches = readAll(new SendBatchReader(1024), ChunkedInputStream.split(bytes, first, second));
                assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(FRAMES.subList(0, 2));
            }
        }
    }

    @Test
    void oneByteAtATime() throws IOException {
        List<List<Frame>> batches = readAll(new SendBatchReader(1024), ChunkedInputStream.oneByteAtATime(bytesOf(FRAMES)));
        assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(FRAMES);
    }

    /** A frame whose start arrives with earlier ones is completed, so the batch ends on its boundary. */
    @Test
    void batchEndsOnAFrameBoundaryWhenTheReadEndsInsideAFrame() throws IOException {
        byte[] bytes = bytesOf(FRAMES);
        // The first read brings the first frame and 3 bytes of the second's header.
        SendBatch batch = new SendBatchReader(1024).read(ChunkedInputStream.split(bytes, 13));
        assertThat(framesOf(batch)).containsExactly(FRAMES.get(0), FRAMES.get(1));
    }

    @Test
    void readLimitBoundsABatchButNeverCutsAFrame() throws IOException {
        SendBatchReader reader = new SendBatchReader(1024, 16);
        List<List<Frame>> batches = readAll(reader, new ByteArrayInputStream(bytesOf(FRAMES)));
        assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(FRAMES);
        assertThat(batches).hasSizeGreaterThan(1);
    }

    @Test
    void payloadOfExactlyTheLimitIsAFrame() throws IOException {
        Frame frame = new Frame(3, payload(100));
        SendBatch batch = new SendBatchReader(100).read(new ByteArrayInputStream(frame.bytes()));
        assertThat(batch.hasOversizedFrame()).isFalse();
        assertThat(framesOf(batch)).containsExactly(frame);
    }

    @Test
    void limitOfZeroTakesOnlyEmptyPayloads() throws IOException {
        SendBatchReader reader = new SendBatchReader(0);
        assertThat(framesOf(reader.read(new ByteArrayInputStream(new Frame(3, new byte[0]).bytes())))).hasSize(1);
        assertThat(reader.read(new ByteArrayInputStream(new Frame(3, new byte[1]).bytes())).oversizedDest()).isEqualTo(3);
    }

    /**
     * A length over the limit ends the batch at that frame's header, after the frames before it,
     * with the frame's dest as an unsigned value; its payload is never read.
     */
    @Test
    void oversizedFrameEndsTheBatchWithoutReadingItsPayload() throws IOException {
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, 0xFFFF_FFF0, 101);
        InputStream in = new ChunkedInputStream().add(bytesOf(List.of(FRAMES.get(0), FRAMES.get(1))))
                .add(Arrays.copyOf(header, 5)).add(Arrays.copyOfRange(header, 5, 8)).poison(new byte[101]);
        SendBatchReader reader = new SendBatchReader(100);
        // The first read ends on a frame boundary: its frames come at once.
        assertThat(framesOf(reader.read(in))).containsExactly(FRAMES.get(0), FRAMES.get(1));
        // The header arrives in two pieces; the payload after it is never asked for.
        SendBatch batch = reader.read(in);
        assertThat(batch.frames()).isZero();
        assertThat(batch.hasOversizedFrame()).isTrue();
        assertThat(batch.oversizedDest()).isEqualTo(0xFFFF_FFF0L);

        // Arriving in one read with the frames before it, it ends their batch.
        in = new ChunkedInputStream().add(concat(bytesOf(List.of(FRAMES.get(0), FRAMES.get(1))), header))
                .poison(new byte[101]);
        batch = reader.read(in);
        assertThat(framesOf(batch)).containsExactly(FRAMES.get(0), FRAMES.get(1));
        assertThat(batch.oversizedDest()).isEqualTo(0xFFFF_FFF0L);
    }

    @Test
    void lengthOfAllOnesIsOversizedNotNegative() throws IOException {
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, 9, 0xFFFF_FFFF);
        SendBatch batch = new SendBatchReader(LARGEST_LIMIT).read(
                new ChunkedInputStream().add(header).poison(new byte[1]));
        assertThat(batch.frames()).isZero();
        assertThat(batch.oversizedDest()).isEqualTo(9);
    }

    @Test
    void endOfStreamBetweenFramesOrInsideOne() {
        byte[] bytes = bytesOf(FRAMES.subList(0, 1));
        assertThatThrownBy(() -> new SendBatchReader(1024).read(new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(EOFException.class);
        for (int cut = 1; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> new SendBatchReader(1024).read(new ByteArrayInputStream(truncated)))
                    .as("stream ending after %s bytes", cut).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void limitMustFitAnArray() {
        assertThatIllegalArgumentException().isThrownBy(() -> new SendBatchReader(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> new SendBatchReader(LARGEST_LIMIT + 1));
    }
}
