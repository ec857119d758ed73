package io.switchboard.protocol;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerFrameReaderTest {

    private static ServerFrameReader reader(String hex) {
        return new ServerFrameReader(new ByteArrayInputStream(HexFormat.of().parseHex(hex.replaceAll("[ |]", ""))));
    }

    /** The example of PROTOCOL.md, byte for byte. */
    @Test
    void protocolExample() throws IOException {
        ServerFrameReader b = reader("00 00 00 08 | 01 | 00 00 00 07 | 00 00 00 02 | 68 69");
        assertThat(b.readGreeting()).isEqualTo(8);
        ServerFrame.Deliver deliver = (ServerFrame.Deliver) b.read();
        assertThat(deliver.src()).isEqualTo(7);
        assertThat(deliver.payload()).containsExactly('h', 'i');

        ServerFrameReader a = reader("00 00 00 07 | 02 | 01 | 00 00 00 63 | 00 00 00 00 00 00 00 02");
        assertThat(a.readGreeting()).isEqualTo(7);
        assertThat(a.read()).isEqualTo(new ServerFrame.Error(ErrorCode.UNKNOWN_DESTINATION, 99, 2));
    }

    @Test
    void numbersAreUnsigned() throws IOException {
        ServerFrameReader reader = reader("FF FF FF FF | 01 | FF FF FF FE | 00 00 00 00 | 02 | 04 | FF FF FF FF | 80 00 00 00 00 00 00 01");
        assertThat(Integer.toUnsignedLong(reader.readGreeting())).isEqualTo(4_294_967_295L);
        ServerFrame.Deliver deliver = (ServerFrame.Deliver) reader.read();
        assertThat(deliver.srcId()).isEqualTo(4_294_967_294L);
        assertThat(deliver.payload()).isEmpty();
        ServerFrame.Error error = (ServerFrame.Error) reader.read();
        assertThat(error.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
        assertThat(error.destId()).isEqualTo(4_294_967_295L);
        assertThat(Long.toUnsignedString(error.seq())).isEqualTo("9223372036854775809");
        assertThat(error.toString()).contains("dest=4294967295");
    }

    @Test
    void everyErrorCodeWrittenByWireIsRead() throws IOException {
        for (ErrorCode code : ErrorCode.values()) {
            byte[] frame = new byte[Wire.ERROR_FRAME_BYTES];
            Wire.putError(frame, 0, code, 12345, 678_901_234_567L);
            ServerFrame read = new ServerFrameReader(new ByteArrayInputStream(frame)).read();
            assertThat(read).isEqualTo(new ServerFrame.Error(code, 12345, 678_901_234_567L));
        }
    }

    @Test
    void deliverWrittenByWireIsRead() throws IOException {
        byte[] frame = new byte[Wire.DELIVER_HEADER_BYTES + 256];
        Wire.putDeliverHeader(frame, 0, 42, 256);
        for (int i = 0; i < 256; i++) {
            frame[Wire.DELIVER_HEADER_BYTES + i] = (byte) i;
        }
        ServerFrame.Deliver deliver = (ServerFrame.Deliver) new ServerFrameReader(new ByteArrayInputStream(frame)).read();
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
}
