package io.switchboard.protocol;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WireTest {

    private static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    @Test
    void numbersAreBigEndian() {
        byte[] b = new byte[12];
        Wire.putInt(b, 0, 0x01020304);
        Wire.putLong(b, 4, 0x05060708090A0B0CL);
        assertThat(hex(b)).isEqualTo("01 02 03 04 05 06 07 08 09 0a 0b 0c");
        assertThat(Wire.getInt(b, 0)).isEqualTo(0x01020304);
        assertThat(Wire.getLong(b, 4)).isEqualTo(0x05060708090A0B0CL);
    }

    @Test
    void unsignedViews() {
        byte[] b = new byte[8];
        Wire.putInt(b, 0, 0xFFFF_FFFF);
        Wire.putInt(b, 4, 0x8000_0000);
        assertThat(Wire.getUnsignedInt(b, 0)).isEqualTo(4_294_967_295L);
        assertThat(Wire.getUnsignedInt(b, 4)).isEqualTo(2_147_483_648L);
        assertThat(Wire.getInt(b, 0)).isEqualTo(-1);
    }

    /** The frames of the example in PROTOCOL.md. */
    @Test
    void framesOfTheProtocolExample() {
        byte[] send = new byte[Wire.SEND_HEADER_BYTES + 2];
        Wire.putSendHeader(send, 0, 8, 2);
        send[8] = 'h';
        send[9] = 'i';
        assertThat(hex(send)).isEqualTo("00 00 00 08 00 00 00 02 68 69");

        byte[] deliver = new byte[Wire.DELIVER_HEADER_BYTES];
        Wire.putDeliverHeader(deliver, 0, 7, 2);
        assertThat(hex(deliver)).isEqualTo("01 00 00 00 07 00 00 00 02");

        byte[] error = new byte[Wire.ERROR_FRAME_BYTES];
        Wire.putError(error, 0, ErrorCode.UNKNOWN_DESTINATION, 0x63, 2);
        assertThat(hex(error)).isEqualTo("02 01 00 00 00 63 00 00 00 00 00 00 00 02");
    }

    @Test
    void idsAreU32() {
        assertThat(Wire.toId(0)).isZero();
        assertThat(Wire.toId(4_294_967_295L)).isEqualTo(-1);
        assertThat(Integer.toUnsignedLong(Wire.toId(2_147_483_648L))).isEqualTo(2_147_483_648L);
        assertThatIllegalArgumentException().isThrownBy(() -> Wire.toId(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> Wire.toId(4_294_967_296L));
    }

    @Test
    void errorCodesOfVersionOnePointOne() {
        assertThat(ErrorCode.UNKNOWN_DESTINATION.code()).isEqualTo(0x01);
        assertThat(ErrorCode.DESTINATION_GONE.code()).isEqualTo(0x02);
        assertThat(ErrorCode.DESTINATION_BUSY.code()).isEqualTo(0x03);
        assertThat(ErrorCode.FRAME_TOO_LARGE.code()).isEqualTo(0x04);
        assertThat(ErrorCode.FORBIDDEN.code()).isEqualTo(0x05);
        assertThat(ErrorCode.AUTH_FAILED.code()).isEqualTo(0x06);
        assertThat(ErrorCode.values()).hasSize(6);
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.fromCode(code.code())).isSameAs(code);
        }
        for (int undefined : new int[] { -1, 0, 7, 0xFF, 256 }) {
            assertThat(ErrorCode.fromCode(undefined)).as("code %s", undefined).isNull();
        }
    }
}
