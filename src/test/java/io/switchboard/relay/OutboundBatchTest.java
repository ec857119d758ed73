package io.switchboard.relay;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frames of one batch as the writer sends them, byte for byte against PROTOCOL.md section
 * 3 (expected bytes are written out, not made with {@link Wire}, so that a mistake shared by
 * both cannot pass); the limits past which a queue starts another batch; where each message
 * ends in the stream, at every offset a write can stop at; and the memory the batch takes from
 * the node's budget and gives back.
 */
class OutboundBatchTest {

    private final MemoryBudget budget = new MemoryBudget(64 * 1024 * 1024);

    /** Bytes written as in PROTOCOL.md, e.g. {@code "01 | 00 00 00 07"}: anything but hex digits is ignored. */
    static byte[] hex(String bytes) {
        return HexFormat.of().parseHex(bytes.replaceAll("[^0-9a-fA-F]", ""));
    }

    /** What the writer sends for the batch: its views, in order, from their positions. */
    static byte[] stream(OutboundBatch batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer[] views = batch.views();
        for (int i = 0; i < batch.viewCount; i++) {
            ByteBuffer view = views[i].duplicate();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private void copied(OutboundBatch batch, int src, byte[] payload, long seq) {
        assertThat(batch.ensureMessage(Wire.DELIVER_HEADER_BYTES + payload.length, false)).isTrue();
        batch.addCopied(src, payload, 0, payload.length, MessageOrigin.NONE, seq);
    }

    /** A body as the queue adds one: the batch's hold is taken by whoever adds it. */
    private void body(OutboundBatch batch, int src, Body body, long seq) {
        assertThat(batch.ensureMessage(Wire.DELIVER_HEADER_BYTES, true)).isTrue();
        body.retain();
        batch.addBody(src, body, MessageOrigin.NONE, seq);
    }

    private static byte[] bytes(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (seed + i * 31);
        }
        return bytes;
    }

    // ---- framing ----

    @Test
    void aDeliverIsTypeOneThenSrcThenLengthThenThePayload() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        // Only payload[1, 3) is the message: the batch copies that range and nothing around it.
        assertThat(batch.ensureMessage(Wire.DELIVER_HEADER_BYTES + 2, false)).isTrue();
        batch.addCopied(7, "xhix".getBytes(), 1, 2, MessageOrigin.NONE, 1);
        // PROTOCOL.md's example: B reads DELIVER "hi" from 7.
        assertThat(stream(batch)).isEqualTo(hex("01 | 00 00 00 07 | 00 00 00 02 | 68 69"));
    }

    @Test
    void srcAndLengthAreUnsignedBigEndianAndAnEmptyPayloadIsAHeaderAlone() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        copied(batch, 0xFFFF_FFFE, new byte[0], 1);
        copied(batch, Wire.OPERATOR_ID, new byte[] { (byte) 0xAB }, 2);
        copied(batch, 0x0102_0304, bytes(0x0123, 0), 3);
        byte[] expected = concat(hex("01 | FF FF FF FE | 00 00 00 00"), hex("01 | 00 00 00 00 | 00 00 00 01 | AB"),
                hex("01 | 01 02 03 04 | 00 00 01 23"), bytes(0x0123, 0));
        assertThat(stream(batch)).isEqualTo(expected);
    }

    @Test
    void theGreetingIsTheIdAloneAndAnErrorIsTypeTwoCodeDestAndA64BitSeq() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        batch.addGreeting(0x8000_0001);
        assertThat(batch.addError(ErrorCode.UNKNOWN_DESTINATION, 0x63, 2, false)).isTrue();
        assertThat(batch.addError(ErrorCode.FORBIDDEN, 0xFFFF_FFFF, 0x1_0000_0002L, false)).isTrue();
        assertThat(stream(batch)).isEqualTo(concat(hex("80 00 00 01"),
                // PROTOCOL.md's example: A reads UNKNOWN_DESTINATION for its 2nd SEND, to 99.
                hex("02 | 01 | 00 00 00 63 | 00 00 00 00 00 00 00 02"),
                hex("02 | 05 | FF FF FF FF | 00 00 00 01 00 00 00 02")));
        // The code bytes of PROTOCOL.md's table.
        Map<ErrorCode, Integer> codes = Map.of(ErrorCode.UNKNOWN_DESTINATION, 0x01, ErrorCode.DESTINATION_GONE, 0x02,
                ErrorCode.DESTINATION_BUSY, 0x03, ErrorCode.FRAME_TOO_LARGE, 0x04, ErrorCode.FORBIDDEN, 0x05,
                ErrorCode.AUTH_FAILED, 0x06);
        assertThat(codes.keySet()).containsExactlyInAnyOrder(ErrorCode.values());
        codes.forEach((code, value) -> {
            OutboundBatch one = new OutboundBatch(this.budget);
            one.addError(code, 1, 1, false);
            assertThat(stream(one)[1]).as("the code byte of %s", code).isEqualTo((byte) value.intValue());
        });
    }

    /** The client's own frames come first, however late they were added (PROTOCOL.md: ERRORs in any order). */
    @Test
    void controlFramesAreWrittenBeforeTheDeliversWhateverTheOrderTheyCameIn() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        copied(batch, 5, "a".getBytes(), 1);
        batch.addError(ErrorCode.DESTINATION_BUSY, 9, 4, false);
        copied(batch, 6, "b".getBytes(), 2);
        assertThat(stream(batch)).isEqualTo(concat(hex("02 | 03 | 00 00 00 09 | 00 00 00 00 00 00 00 04"),
                hex("01 | 00 00 00 05 | 00 00 00 01 | 61"), hex("01 | 00 00 00 06 | 00 00 00 01 | 62")));
    }

    /** A body is written from where it is: the batch holds the array by reference, not a copy. */
    @Test
    void aBodyIsWrittenFromItsOwnArrayBetweenTheFramesAroundIt() {
        byte[] frame = concat(hex("00 00 00 08 | 00 00 00 05"), "hello".getBytes());
        Body body = new Body(frame, Wire.SEND_HEADER_BYTES, 5, this.budget, 0);
        OutboundBatch batch = new OutboundBatch(this.budget);
        batch.addGreeting(8);
        copied(batch, 5, "a".getBytes(), 1);
        body(batch, 6, body, 2);
        copied(batch, 7, new byte[0], 3);
        body.release();

        assertThat(stream(batch)).isEqualTo(concat(hex("00 00 00 08"), hex("01 | 00 00 00 05 | 00 00 00 01 | 61"),
                hex("01 | 00 00 00 06 | 00 00 00 05"), "hello".getBytes(), hex("01 | 00 00 00 07 | 00 00 00 00")));
        ByteBuffer[] views = batch.views();
        assertThat(Arrays.asList(views).subList(0, batch.viewCount)).anySatisfy(view -> {
            assertThat(view.array()).isSameAs(frame);
            assertThat(view.position()).isEqualTo(Wire.SEND_HEADER_BYTES);
            assertThat(view.remaining()).isEqualTo(5);
        });
    }

    /** The writer may look again after a write that failed half way: the views start over. */
    @Test
    void viewsArePositionedAtTheirStartsEachTimeTheyAreAskedFor() {
        Body body = new Body("body".getBytes(), 0, 4, this.budget, 0);
        OutboundBatch plain = new OutboundBatch(this.budget);
        plain.addGreeting(1);
        copied(plain, 2, "x".getBytes(), 1);
        OutboundBatch withBody = new OutboundBatch(this.budget);
        body(withBody, 2, body, 1);
        for (OutboundBatch batch : List.of(plain, withBody)) {
            byte[] first = stream(batch);
            ByteBuffer[] views = batch.views();
            for (int i = 0; i < batch.viewCount; i++) {
                views[i].position(views[i].limit());
            }
            assertThat(stream(batch)).isEqualTo(first).hasSize((int) batch.streamBytes());
        }
        body.release();
    }

    // ---- limits ----

    @Test
    void aBatchHasItsFillAt256KiBOfDeliverBytesButTakesAnyOneMessageWhenEmpty() {
        assertThat(OutboundBatch.MAX_BYTES).isEqualTo(256 * 1024);
        OutboundBatch batch = new OutboundBatch(this.budget);
        // An empty batch takes a message of any size: no message is refused for its size here.
        assertThat(batch.isFullFor(OutboundBatch.MAX_BYTES + 1)).isFalse();
        int half = OutboundBatch.MAX_BYTES / 2;
        copied(batch, 1, new byte[half - Wire.DELIVER_HEADER_BYTES], 1);
        assertThat(batch.size).isEqualTo(half);
        assertThat(batch.isFullFor(half)).as("exactly 256 KiB").isFalse();
        assertThat(batch.isFullFor(half + 1)).isTrue();
        copied(batch, 1, new byte[half - Wire.DELIVER_HEADER_BYTES], 2);
        assertThat(batch.size).isEqualTo(OutboundBatch.MAX_BYTES);
        assertThat(batch.isFullFor(Wire.DELIVER_HEADER_BYTES)).isTrue();
        assertThat(batch.bytes.length).isEqualTo(OutboundBatch.MAX_BYTES);
    }

    @Test
    void aBatchHasItsFillAt8192MessagesWhateverTheirSize() {
        assertThat(OutboundBatch.MAX_MESSAGES).isEqualTo(8192);
        OutboundBatch batch = new OutboundBatch(this.budget);
        for (int i = 1; i < OutboundBatch.MAX_MESSAGES; i++) {
            copied(batch, 1, new byte[0], i);
        }
        assertThat(batch.isFullFor(Wire.DELIVER_HEADER_BYTES)).isFalse();
        copied(batch, 1, new byte[0], OutboundBatch.MAX_MESSAGES);
        assertThat(batch.messages).isEqualTo(OutboundBatch.MAX_MESSAGES);
        assertThat(batch.size).isLessThan(OutboundBatch.MAX_BYTES);
        assertThat(batch.isFullFor(Wire.DELIVER_HEADER_BYTES)).isTrue();
        // So the arrays that track messages stay at their cap.
        assertThat(batch.origins.length).isEqualTo(OutboundBatch.MAX_MESSAGES);
    }

    @Test
    void controlBytesHaveTheirOwnFillOf256KiB() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        batch.addGreeting(1);
        int errors = 0;
        while (!batch.isControlFull()) {
            assertThat(batch.addError(ErrorCode.DESTINATION_GONE, 2, ++errors, false)).isTrue();
        }
        assertThat(batch.controlSize).isEqualTo(Wire.GREETING_BYTES + errors * Wire.ERROR_FRAME_BYTES)
                .isLessThanOrEqualTo(OutboundBatch.MAX_CONTROL)
                .isGreaterThan(OutboundBatch.MAX_CONTROL - Wire.ERROR_FRAME_BYTES);
        assertThat(batch.isFullFor(Wire.DELIVER_HEADER_BYTES)).as("DELIVERs have a fill of their own").isFalse();
    }

    // ---- positions ----

    /**
     * A batch of control frames and DELIVERs (copied, bodies, empty), cut at every offset a
     * write can stop at: the messages complete there are those whose whole frame lies before it,
     * and their payload bytes are what the queue stops counting.
     */
    @Test
    void atEveryOffsetTheMessagesWithinAreThoseWhoseWholeFrameWasWritten() {
        Body body = new Body(bytes(300, 3), 0, 300, this.budget, 0);
        Body empty = new Body(new byte[0], 0, 0, this.budget, 0);
        OutboundBatch batch = new OutboundBatch(this.budget);
        batch.addGreeting(42);
        batch.addError(ErrorCode.UNKNOWN_DESTINATION, 9, 1, false);
        int[] payloads = { 3, 300, 0, 0, 70, 1 };
        copied(batch, 5, bytes(3, 1), 1);
        body(batch, 6, body, 2);
        copied(batch, 7, new byte[0], 3);
        body(batch, 8, empty, 4);
        copied(batch, 9, bytes(70, 2), 5);
        copied(batch, 10, bytes(1, 4), 6);

        int control = Wire.GREETING_BYTES + Wire.ERROR_FRAME_BYTES;
        long[] ends = new long[payloads.length];
        long end = control;
        for (int i = 0; i < payloads.length; i++) {
            end += Wire.DELIVER_HEADER_BYTES + payloads[i];
            ends[i] = end;
        }
        assertThat(batch.controlSize).isEqualTo(control);
        assertThat(batch.streamBytes()).isEqualTo(end).isEqualTo(stream(batch).length);
        assertThat(batch.payloadBytes).isEqualTo(Arrays.stream(payloads).sum());
        assertThat(batch.overheadBytes()).isEqualTo(control + payloads.length * (long) OutboundBatch.MESSAGE_OVERHEAD);

        for (long offset = 0; offset <= end; offset++) {
            int within = 0;
            long payload = 0;
            while (within < payloads.length && ends[within] <= offset) {
                payload += payloads[within];
                within++;
            }
            assertThat(batch.messagesWithin(offset)).as("messages within %d bytes", offset).isEqualTo(within);
            assertThat(batch.payloadBytesOf(0, within)).as("payload within %d bytes", offset).isEqualTo(payload);
            assertThat(batch.payloadBytesOf(within, payloads.length)).isEqualTo(batch.payloadBytes - payload);
        }
        body.release();
        empty.release();
    }

    // ---- memory ----

    /**
     * What the class promises to take from the budget: every array grown past its initial size,
     * whole (bytes 256, control 32, 8 message entries of 24 bytes: an origin, a seq, an end).
     */
    private static long charged(OutboundBatch batch) {
        long bytes = (batch.bytes.length > OutboundBatch.INITIAL_CAPACITY) ? batch.bytes.length : 0;
        long control = (batch.control.length > OutboundBatch.INITIAL_CONTROL) ? batch.control.length : 0;
        long entries = (batch.origins.length > 8) ? batch.origins.length * 24L : 0;
        return bytes + control + entries;
    }

    @Test
    void everyArrayGrownPastItsInitialSizeIsTakenFromTheBudgetAndGivenBack() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        batch.addGreeting(1);
        long held = Wire.GREETING_BYTES;
        for (int i = 1; i <= 3000; i++) {
            copied(batch, 1, bytes(i % 97, i), i);
            held += Wire.DELIVER_HEADER_BYTES + i % 97 + 24;
            if (i % 10 == 0) {
                batch.addError(ErrorCode.DESTINATION_GONE, 1, i, i % 20 == 0);
                held += Wire.ERROR_FRAME_BYTES;
            }
            assertThat(this.budget.used()).as("after %d messages", i).isEqualTo(charged(batch))
                    // Arrays at most double: never more than twice what they carry, past the initial ones.
                    .isLessThanOrEqualTo(2 * held);
        }
        assertThat(this.budget.used()).isPositive();

        // Emptied for reuse: arrays up to a working size are kept, and still counted; larger ones go.
        batch.reset();
        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.messages).isZero();
        assertThat(batch.payloadBytes).isZero();
        assertThat(this.budget.used()).isEqualTo(charged(batch));
        assertThat(batch.bytes.length).isLessThanOrEqualTo(64 * 1024);

        assertThat(batch.trim()).isTrue();
        assertThat(this.budget.used()).isZero();
        assertThat(batch.byteCapacity()).isZero();
        assertThat(batch.trim()).as("nothing left to give back").isFalse();
    }

    @Test
    void aLargeBatchGivesItsArraysBackWhenReset() {
        OutboundBatch batch = new OutboundBatch(this.budget);
        for (int i = 1; i <= 100; i++) {
            copied(batch, 1, new byte[2000], i);
        }
        assertThat(batch.bytes.length).isGreaterThan(64 * 1024);
        assertThat(this.budget.used()).isEqualTo(charged(batch));
        batch.reset();
        assertThat(batch.bytes.length).isZero();
        assertThat(this.budget.used()).isEqualTo(charged(batch));
    }

    @Test
    void whatTheBudgetRefusesChangesNothing() {
        MemoryBudget small = new MemoryBudget(1000);
        OutboundBatch batch = new OutboundBatch(small);
        // Within the initial array: free.
        assertThat(batch.ensureMessage(200, false)).isTrue();
        batch.addCopied(1, new byte[191], 0, 191, MessageOrigin.NONE, 1);
        assertThat(small.used()).isZero();
        // Growing to 512 bytes fits; to 1024 does not.
        assertThat(batch.ensureMessage(300, false)).isTrue();
        batch.addCopied(1, new byte[291], 0, 291, MessageOrigin.NONE, 2);
        assertThat(small.used()).isEqualTo(512);
        byte[] before = stream(batch);
        assertThat(batch.ensureMessage(100, false)).isFalse();
        assertThat(batch.bytes.length).isEqualTo(512);
        assertThat(stream(batch)).isEqualTo(before);
        assertThat(small.used()).isEqualTo(512);
        // An ERROR that is the outcome of a message is taken past the limit; one the reader found is not.
        OutboundBatch errors = new OutboundBatch(small);
        int taken = 0;
        while (errors.addError(ErrorCode.UNKNOWN_DESTINATION, 1, taken + 1, false)) {
            taken++;
        }
        assertThat(errors.controlSize).isEqualTo(taken * Wire.ERROR_FRAME_BYTES);
        assertThat(errors.addError(ErrorCode.DESTINATION_GONE, 1, 99, true)).isTrue();
        assertThat(small.used()).isGreaterThan(small.limit());
        batch.trim();
        errors.trim();
        assertThat(small.used()).isZero();
    }

    /** A body counts once, for its maker; the batch's hold on it is let go when the batch is emptied. */
    @Test
    void aBodysMemoryComesBackWithTheLastHoldWhicheverBatchHasIt() {
        int size = 100_000;
        assertThat(this.budget.tryTake(size)).isTrue();
        Body body = new Body(bytes(size, 5), 0, size, this.budget, size);
        List<OutboundBatch> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            OutboundBatch batch = new OutboundBatch(this.budget);
            body(batch, 1, body, i);
            batches.add(batch);
        }
        body.release();
        assertThat(this.budget.used()).as("the body, once, and the entries that track it").isGreaterThanOrEqualTo(size)
                .isLessThan(2L * size);
        batches.get(0).reset();
        batches.get(1).trim();
        assertThat(this.budget.used()).isGreaterThanOrEqualTo(size);
        batches.get(2).reset();
        batches.forEach(OutboundBatch::trim);
        assertThat(this.budget.used()).isZero();
    }

    private static byte[] concat(byte[]... parts) {
        return TestClient.frames(parts);
    }
}
