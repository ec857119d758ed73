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

    /** Reads batches until the stream ends between frames; each batch holds only complete frames. */
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

    private static List<Frame> flat(List<List<Frame>> batches) {
        return batches.stream().flatMap(List::stream).toList();
    }

    @Test
    void oneFrame() throws IOException {
        Frame frame = new Frame(8, "hi".getBytes());
        SendBatch batch = new SendBatchReader(1024).read(new ByteArrayInputStream(frame.bytes()));
        assertThat(batch.frames()).isEqualTo(1);
        assertThat(batch.end()).isEqualTo(10);
        assertThat(batch.hasOversizedFrame()).isFalse();
        assertThat(batch.isDetached()).isFalse();
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

    /** Memory taken and given back by a reader, with the most it ever held; refuses on demand. */
    static final class CountingMemory implements FrameMemory {

        long held;
        long most;
        boolean refuse;

        @Override
        public boolean tryTake(long bytes) {
            if (this.refuse) {
                return false;
            }
            this.held += bytes;
            this.most = Math.max(this.most, this.held);
            return true;
        }

        @Override
        public void take(long bytes) throws IOException {
            if (!tryTake(bytes)) {
                throw new IOException("refused");
            }
        }

        @Override
        public void give(long bytes) {
            this.held -= bytes;
            assertThat(this.held).as("memory given back that was never taken").isNotNegative();
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
    void aBurstBufferThatMemoryRefusesIsSkippedNotWaitedFor() throws IOException {
        List<Frame> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(new Frame(i, payload(64)));
        }
        CountingMemory memory = new CountingMemory();
        memory.refuse = true;
        SendBatchReader reader = new SendBatchReader(1024, SendBatchReader.DEFAULT_READ_LIMIT, memory);
        List<List<Frame>> batches = readAll(reader, new ByteArrayInputStream(bytesOf(many)));
        assertThat(flat(batches)).isEqualTo(many);
        assertThat(batches).hasSizeGreaterThan(1);
        assertThat(memory.most).isZero();
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
            assertThat(flat(batches)).as("cut at %s", cut).isEqualTo(FRAMES);
        }
    }

    /**
     * Token mode's HELLO: the first frame alone, under a limit of its own, split anywhere; the
     * frames after it, under the reader's limit (here below the first frame's), come next.
     */
    @Test
    void aFirstFrameLimitedOnItsOwnComesAloneWhereverTheStreamIsSplit() throws IOException {
        Frame hello = new Frame(0, payload(200));
        List<Frame> after = List.of(new Frame(8, "hi".getBytes()), new Frame(9, payload(100)));
        byte[] bytes = concat(hello.bytes(), bytesOf(after));
        for (int cut = 0; cut < bytes.length; cut++) {
            SendBatchReader reader = new SendBatchReader(150);
            reader.limitNextFrame(8192);
            InputStream in = (cut == 0) ? new ByteArrayInputStream(bytes) : ChunkedInputStream.split(bytes, cut);
            assertThat(framesOf(reader.read(in))).as("cut at %s", cut).containsExactly(hello);
            assertThat(flat(readAll(reader, in))).as("cut at %s", cut).isEqualTo(after);
        }
    }

    @Test
    void aFirstFrameOverItsOwnLimitEndsTheReaderAtItsHeader() throws IOException {
        SendBatchReader reader = new SendBatchReader(1024 * 1024);
        reader.limitNextFrame(8192);
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, 0, 8193);
        SendBatch batch = reader.read(new ChunkedInputStream().add(header).poison(new byte[1]));
        assertThat(batch.frames()).isZero();
        assertThat(batch.oversizedDest()).isZero();
        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(new byte[0]))).isInstanceOf(EOFException.class);
        assertThatIllegalArgumentException().isThrownBy(() -> new SendBatchReader(1024).limitNextFrame(
                SendBatchReader.DEFAULT_READ_LIMIT));
    }

    @Test
    void splitAtEveryPairOfOffsetsGivesTheSameFrames() throws IOException {
        byte[] bytes = bytesOf(FRAMES.subList(0, 2));
        for (int first = 1; first < bytes.length; first++) {
            for (int second = first; second < bytes.length; second++) {
                List<List<Frame>> batches = readAll(new SendBatchReader(1024), ChunkedInputStream.split(bytes, first, second));
                assertThat(flat(batches)).isEqualTo(FRAMES.subList(0, 2));
            }
        }
    }

    @Test
    void oneByteAtATime() throws IOException {
        List<List<Frame>> batches = readAll(new SendBatchReader(1024), ChunkedInputStream.oneByteAtATime(bytesOf(FRAMES)));
        assertThat(flat(batches)).isEqualTo(FRAMES);
    }

    /**
     * Promptness (PROTOCOL.md section 4, item 5): whatever the cut, the frames complete before it
     * come out without the reader asking for one byte after it, which a socket would block on.
     */
    @Test
    void framesCompleteBeforeACutComeWithoutReadingPastIt() throws IOException {
        byte[] bytes = bytesOf(FRAMES);
        int[] ends = new int[FRAMES.size()];
        int end = 0;
        for (int i = 0; i < FRAMES.size(); i++) {
            end += FRAMES.get(i).bytes().length;
            ends[i] = end;
        }
        for (int cut = 1; cut < bytes.length; cut++) {
            int complete = 0;
            while (complete < ends.length && ends[complete] <= cut) {
                complete++;
            }
            if (complete == 0) {
                continue;
            }
            SendBatchReader reader = new SendBatchReader(1024);
            InputStream in = new ChunkedInputStream().add(Arrays.copyOf(bytes, cut))
                    .poison(Arrays.copyOfRange(bytes, cut, bytes.length));
            List<Frame> read = new ArrayList<>();
            while (read.size() < complete) {
                read.addAll(framesOf(reader.read(in)));
            }
            assertThat(read).as("cut at %s", cut).isEqualTo(FRAMES.subList(0, complete));
        }
    }

    @Test
    void aSmallFrameIsNotHeldBehindTheLargeOneAfterIt() throws IOException {
        Frame small = new Frame(5, "first".getBytes());
        byte[] large = new Frame(6, payload(200_000)).bytes();
        // The small frame and the start of the large one arrive together; the rest never does.
        InputStream in = new ChunkedInputStream().add(concat(small.bytes(), Arrays.copyOf(large, 1000)))
                .poison(Arrays.copyOfRange(large, 1000, large.length));
        assertThat(framesOf(new SendBatchReader(1 << 20).read(in))).containsExactly(small);
    }

    @Test
    void aFrameLargerThanTheReadLimitComesDetached() throws IOException {
        Frame large = new Frame(3, payload(100_000));
        Frame after = new Frame(4, payload(10));
        CountingMemory memory = new CountingMemory();
        SendBatchReader reader = new SendBatchReader(1 << 20, SendBatchReader.DEFAULT_READ_LIMIT, memory);
        InputStream in = ChunkedInputStream.split(bytesOf(List.of(large, after)), 5000, 60_000);

        SendBatch batch = reader.read(in);
        assertThat(batch.isDetached()).isTrue();
        assertThat(framesOf(batch)).containsExactly(large);
        assertThat(batch.bytes()).hasSize(large.bytes().length);
        assertThat(batch.detachedMemory()).isEqualTo(batch.bytes().length);
        // The reader holds nothing for it any more: its memory went with the batch.
        assertThat(reader.heldBytes()).isZero();
        assertThat(memory.held).isEqualTo(batch.detachedMemory());
        memory.give(batch.detachedMemory());

        SendBatch next = reader.read(in);
        assertThat(next.isDetached()).isFalse();
        assertThat(framesOf(next)).containsExactly(after);
    }

    @Test
    void readLimitBoundsABatchButNeverCutsAFrame() throws IOException {
        SendBatchReader reader = new SendBatchReader(1024, 16, FrameMemory.UNBOUNDED);
        List<List<Frame>> batches = readAll(reader, new ByteArrayInputStream(bytesOf(FRAMES)));
        assertThat(flat(batches)).isEqualTo(FRAMES);
        assertThat(batches).hasSizeGreaterThan(1);
    }

    /**
     * A frame that arrives a little at a time costs memory as its bytes arrive: never more than
     * twice what has arrived, plus a first read, whatever its header declares.
     */
    @Test
    void memoryFollowsTheBytesThatArriveNotTheDeclaredLength() throws IOException {
        for (int size : new int[] { 300, 5000, 65_000, 300_000 }) {
            byte[] frame = new Frame(9, payload(size)).bytes();
            CountingMemory memory = new CountingMemory();
            SendBatchReader reader = new SendBatchReader(1 << 20, SendBatchReader.DEFAULT_READ_LIMIT, memory);
            long[] arrived = new long[1];
            InputStream trickle = new InputStream() {
                @Override
                public int read() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    assertThat(memory.held).as("memory for %s bytes of a %s-byte frame", arrived[0], frame.length)
                            .isLessThanOrEqualTo(2 * arrived[0] + SendBatchReader.FIRST_READ_BYTES);
                    if (arrived[0] == frame.length) {
                        return -1;
                    }
                    int n = (int) Math.min(Math.min(len, 97), frame.length - arrived[0]);
                    System.arraycopy(frame, (int) arrived[0], b, off, n);
                    arrived[0] += n;
                    return n;
                }
            };
            SendBatch batch = reader.read(trickle);
            assertThat(batch.frames()).isEqualTo(1);
            memory.give(batch.detachedMemory());
            // A grown buffer is dropped once its batch is routed: when the reader reads again.
            assertThatThrownBy(() -> reader.read(trickle)).isInstanceOf(EOFException.class);
            assertThat(reader.heldBytes()).isZero();
            assertThat(memory.held).as("memory held after a frame of %s bytes", frame.length).isZero();
        }
    }

    /** The slowloris header: a large length and one payload byte cost a first read, no more. */
    @Test
    void aLargeDeclaredLengthWithOneByteCostsAFirstRead() throws IOException {
        byte[] header = new byte[Wire.SEND_HEADER_BYTES + 1];
        Wire.putSendHeader(header, 0, 1, 1 << 20);
        CountingMemory memory = new CountingMemory();
        SendBatchReader reader = new SendBatchReader(1 << 20, SendBatchReader.DEFAULT_READ_LIMIT, memory);
        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(header))).isInstanceOf(EOFException.class);
        assertThat(memory.most).isLessThanOrEqualTo(SendBatchReader.FIRST_READ_BYTES);
        reader.release();
        assertThat(memory.held).isZero();
    }

    @Test
    void releaseGivesBackTheMemoryOfAFrameCutShort() throws IOException {
        byte[] frame = new Frame(9, payload(200_000)).bytes();
        CountingMemory memory = new CountingMemory();
        SendBatchReader reader = new SendBatchReader(1 << 20, SendBatchReader.DEFAULT_READ_LIMIT, memory);
        assertThatThrownBy(() -> reader.read(ChunkedInputStream.split(Arrays.copyOf(frame, 150_000), 70_000)))
                .isInstanceOf(EOFException.class);
        assertThat(reader.heldBytes()).isPositive().isEqualTo(memory.held);
        reader.release();
        assertThat(memory.held).isZero();
        assertThat(reader.heldBytes()).isZero();
        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(frame))).isInstanceOf(EOFException.class);
    }

    @Test
    void memoryRefusedForAFrameStopsTheReader() {
        byte[] frame = new Frame(9, payload(200_000)).bytes();
        CountingMemory memory = new CountingMemory();
        memory.refuse = true;
        SendBatchReader reader = new SendBatchReader(1 << 20, SendBatchReader.DEFAULT_READ_LIMIT, memory);
        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(frame))).isInstanceOf(IOException.class)
                .hasMessage("refused");
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
        assertThat(framesOf(new SendBatchReader(0).read(new ByteArrayInputStream(new Frame(3, new byte[0]).bytes()))))
                .hasSize(1);
        assertThat(new SendBatchReader(0).read(new ByteArrayInputStream(new Frame(3, new byte[1]).bytes())).oversizedDest())
                .isEqualTo(3);
    }

    /**
     * A length over the limit ends the batch at that frame's header, after the frames before it,
     * with the frame's dest as an unsigned value; its payload is never read, and the reader ends.
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
        assertThatThrownBy(() -> reader.read(in)).isInstanceOf(EOFException.class);

        // Arriving in one read with the frames before it, it ends their batch.
        InputStream together = new ChunkedInputStream().add(concat(bytesOf(List.of(FRAMES.get(0), FRAMES.get(1))), header))
                .poison(new byte[101]);
        batch = new SendBatchReader(100).read(together);
        assertThat(framesOf(batch)).containsExactly(FRAMES.get(0), FRAMES.get(1));
        assertThat(batch.oversizedDest()).isEqualTo(0xFFFF_FFF0L);
    }

    @Test
    void lengthOfAllOnesIsOversizedNotNegative() throws IOException {
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, 9, 0xFFFF_FFFF);
        SendBatch batch = new SendBatchReader(SendBatchReader.MAX_PAYLOAD_LIMIT).read(
                new ChunkedInputStream().add(header).poison(new byte[1]));
        assertThat(batch.frames()).isZero();
        assertThat(batch.oversizedDest()).isEqualTo(9);
    }

    /** The largest limit takes the largest length it allows without overflowing anything, and no more. */
    @Test
    void lengthsAroundTheLargestLimit() throws IOException {
        long limit = SendBatchReader.MAX_PAYLOAD_LIMIT;
        byte[] over = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(over, 0, 9, (int) (limit + 1));
        assertThat(new SendBatchReader(limit).read(new ChunkedInputStream().add(over).poison(new byte[1])).oversizedDest())
                .isEqualTo(9);
        // At the limit: a detached frame begins, costing what arrived; the stream then ends.
        byte[] at = new byte[Wire.SEND_HEADER_BYTES + 10];
        Wire.putSendHeader(at, 0, 9, (int) limit);
        CountingMemory memory = new CountingMemory();
        SendBatchReader reader = new SendBatchReader(limit, SendBatchReader.DEFAULT_READ_LIMIT, memory);
        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(at))).isInstanceOf(EOFException.class);
        assertThat(memory.most).isLessThanOrEqualTo(SendBatchReader.FIRST_READ_BYTES);
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
    void limitMustBeFromZeroToTheLargest() {
        assertThatIllegalArgumentException().isThrownBy(() -> new SendBatchReader(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> new SendBatchReader(SendBatchReader.MAX_PAYLOAD_LIMIT + 1));
        assertThat(new SendBatchReader(SendBatchReader.MAX_PAYLOAD_LIMIT)).isNotNull();
    }
}
