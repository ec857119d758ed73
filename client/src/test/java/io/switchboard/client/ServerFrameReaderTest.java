package io.switchboard.client;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.switchboard.protocol.ChunkedInputStream;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerFrameReaderTest {

    /** A reader of the given bytes, taking its frames one at a time as a test reads them. */
    private static final class Frames implements FrameListener {

        private final ServerFrameReader reader;
        private final Deque<Incoming> arrived = new ArrayDeque<>();

        Frames(byte[] bytes) {
            this(new ByteArrayInputStream(bytes));
        }

        Frames(InputStream in) {
            this.reader = new ServerFrameReader(in);
        }

        long readGreeting() throws IOException {
            return this.reader.readGreeting();
        }

        Incoming read() throws IOException {
            while (this.arrived.isEmpty()) {
                this.reader.readFrames(this);
            }
            return this.arrived.poll();
        }

        @Override
        public void onDeliver(long src, byte[] buffer, int offset, int length) {
            this.arrived.add(new Message(src, Arrays.copyOfRange(buffer, offset, offset + length)));
        }

        @Override
        public void onSendError(SendError error) {
            this.arrived.add(error);
        }
    }

    private static Frames reader(String hex) {
        return new Frames(HexFormat.of().parseHex(hex.replaceAll("[ |]", "")));
    }

    /** The example of PROTOCOL.md, byte for byte. */
    @Test
    void protocolExample() throws IOException {
        Frames b = reader("00 00 00 08 | 01 | 00 00 00 07 | 00 00 00 02 | 68 69");
        assertThat(b.readGreeting()).isEqualTo(8);
        Message deliver = (Message) b.read();
        assertThat(deliver.src()).isEqualTo(7);
        assertThat(deliver.payload()).containsExactly('h', 'i');

        Frames a = reader("00 00 00 07 | 02 | 01 | 00 00 00 63 | 00 00 00 00 00 00 00 02");
        assertThat(a.readGreeting()).isEqualTo(7);
        assertThat(a.read()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 99, 2));
    }

    @Test
    void numbersAreUnsigned() throws IOException {
        Frames reader = reader("FF FF FF FF | 01 | FF FF FF FE | 00 00 00 00 | 02 | 04 | FF FF FF FF | 80 00 00 00 00 00 00 01");
        assertThat(reader.readGreeting()).isEqualTo(4_294_967_295L);
        Message deliver = (Message) reader.read();
        assertThat(deliver.src()).isEqualTo(4_294_967_294L);
        assertThat(deliver.payload()).isEmpty();
        SendError error = (SendError) reader.read();
        assertThat(error.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
        assertThat(error.dest()).isEqualTo(4_294_967_295L);
        assertThat(Long.toUnsignedString(error.seq())).isEqualTo("9223372036854775809");
        assertThat(error.toString()).contains("dest=4294967295");
    }

    @Test
    void everyErrorCodeWrittenByWireIsRead() throws IOException {
        for (ErrorCode code : ErrorCode.values()) {
            byte[] frame = new byte[Wire.ERROR_FRAME_BYTES];
            Wire.putError(frame, 0, code, 12345, 678_901_234_567L);
            Incoming read = new Frames(frame).read();
            assertThat(read).isEqualTo(new SendError(code, 12345, 678_901_234_567L));
        }
    }

    @Test
    void deliverWrittenByWireIsRead() throws IOException {
        byte[] frame = new byte[Wire.DELIVER_HEADER_BYTES + 256];
        Wire.putDeliverHeader(frame, 0, 42, 256);
        for (int i = 0; i < 256; i++) {
            frame[Wire.DELIVER_HEADER_BYTES + i] = (byte) i;
        }
        Message deliver = (Message) new Frames(frame).read();
        assertThat(deliver.src()).isEqualTo(42);
        for (int i = 0; i < 256; i++) {
            assertThat(deliver.payload()[i] & 0xFF).isEqualTo(i);
        }
    }

    @Test
    void unknownTypeOrCodeIsAProtocolError() {
        assertThatThrownBy(() -> reader("03 00 00 00 00").read()).isInstanceOf(ServerFrameReader.ProtocolException.class);
        assertThatThrownBy(() -> reader("00").read()).isInstanceOf(ServerFrameReader.ProtocolException.class);
        assertThatThrownBy(() -> reader("02 07 00 00 00 01 00 00 00 00 00 00 00 01").read())
                .isInstanceOf(ServerFrameReader.ProtocolException.class);
        assertThatThrownBy(() -> reader("02 00 00 00 00 01 00 00 00 00 00 00 00 01").read())
                .isInstanceOf(ServerFrameReader.ProtocolException.class);
        assertThatThrownBy(() -> reader("01 00 00 00 01 FF FF FF FF").read())
                .isInstanceOf(ServerFrameReader.ProtocolException.class);
    }

    @Test
    void endOfStreamAtOrInsideAFrame() {
        assertThatThrownBy(() -> reader("").read()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> reader("00 00 00").readGreeting()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> reader("01 00 00 00 07 00 00 00 02 68").read()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> reader("02 01 00 00 00 63 00 00").read()).isInstanceOf(EOFException.class);
    }

    /**
     * Frames arrive in whatever pieces the network makes: a greeting, a small DELIVER, an ERROR
     * and a DELIVER larger than the reader's first buffer, cut at every place in the first
     * frames and in three pieces through the large one, read the same.
     */
    @Test
    void framesSplitAnywhereReadTheSame() throws IOException {
        byte[] large = new byte[100_000];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 7);
        }
        byte[] stream = new byte[Wire.GREETING_BYTES + Wire.DELIVER_HEADER_BYTES + 2 + Wire.ERROR_FRAME_BYTES
                + Wire.DELIVER_HEADER_BYTES + large.length];
        Wire.putInt(stream, 0, 5);
        int p = Wire.GREETING_BYTES;
        Wire.putDeliverHeader(stream, p, 9, 2);
        stream[p + Wire.DELIVER_HEADER_BYTES] = 'h';
        stream[p + Wire.DELIVER_HEADER_BYTES + 1] = 'i';
        p += Wire.DELIVER_HEADER_BYTES + 2;
        Wire.putError(stream, p, ErrorCode.DESTINATION_BUSY, 11, 3);
        p += Wire.ERROR_FRAME_BYTES;
        Wire.putDeliverHeader(stream, p, 12, large.length);
        System.arraycopy(large, 0, stream, p + Wire.DELIVER_HEADER_BYTES, large.length);
        int largeStart = p;
        for (int cut = 1; cut < largeStart + Wire.DELIVER_HEADER_BYTES + 1; cut++) {
            Frames frames = new Frames(ChunkedInputStream.split(stream, cut, largeStart + 70_000,
                    largeStart + 70_001 + cut));
            assertThat(frames.readGreeting()).as("cut at %d", cut).isEqualTo(5);
            assertThat(frames.read()).as("cut at %d", cut).isEqualTo(new Message(9, new byte[] { 'h', 'i' }));
            assertThat(frames.read()).as("cut at %d", cut).isEqualTo(new SendError(ErrorCode.DESTINATION_BUSY, 11, 3));
            assertThat(frames.read()).as("cut at %d", cut).isEqualTo(new Message(12, large));
            assertThatThrownBy(frames::read).as("cut at %d", cut).isInstanceOf(EOFException.class);
        }
        Frames oneByteAtATime = new Frames(ChunkedInputStream.oneByteAtATime(Arrays.copyOf(stream, largeStart)));
        assertThat(oneByteAtATime.readGreeting()).isEqualTo(5);
        assertThat(oneByteAtATime.read()).isEqualTo(new Message(9, new byte[] { 'h', 'i' }));
        assertThat(oneByteAtATime.read()).isEqualTo(new SendError(ErrorCode.DESTINATION_BUSY, 11, 3));
    }
}
