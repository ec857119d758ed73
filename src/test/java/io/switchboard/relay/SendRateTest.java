package io.switchboard.relay;

import org.junit.jupiter.api.Test;

import io.switchboard.protocol.Wire;

import static org.assertj.core.api.Assertions.assertThat;

/** The buckets of {@code switchboard.limits.*}: what a burst may take at once, and how long the next frame waits. */
class SendRateTest {

    private static byte[] frames(int count, int payload) {
        byte[] bytes = new byte[count * (Wire.SEND_HEADER_BYTES + payload)];
        for (int i = 0; i < count; i++) {
            Wire.putSendHeader(bytes, i * (Wire.SEND_HEADER_BYTES + payload), 7, payload);
        }
        return bytes;
    }

    @Test
    void aBurstOfOneSecondsWorthOfMessagesPassesThenTheNextWaitsForItsShare() {
        SendRate rate = new SendRate(100, 0, 1024);
        byte[] bytes = frames(150, 10);
        int frameBytes = Wire.SEND_HEADER_BYTES + 10;
        int stop = rate.admit(bytes, 0, bytes.length);
        assertThat(stop).isEqualTo(100 * frameBytes);
        assertThat(rate.admit(bytes, stop, bytes.length)).as("nothing left to pay with").isEqualTo(stop);
        // One message at 100 a second: about 10 ms.
        assertThat(rate.waitNanos(10)).isBetween(1L, 10_000_000L);
    }

    @Test
    void theByteBucketHoldsAtLeastOneMessageOfTheLargestSize() {
        SendRate rate = new SendRate(0, 1000, 64 * 1024);
        byte[] large = frames(2, 64 * 1024);
        int stop = rate.admit(large, 0, large.length);
        assertThat(stop).as("one max-size message passes a 1000 B/s limit").isEqualTo(Wire.SEND_HEADER_BYTES + 64 * 1024);
        // The second waits for 64 KiB at 1000 B/s: about 65.5 s.
        assertThat(rate.waitNanos(64 * 1024)).isBetween(60_000_000_000L, 66_000_000_000L);
    }

    @Test
    void emptyPayloadsCostOnlyTheirMessage() {
        SendRate rate = new SendRate(0, 10, 10);
        byte[] empty = frames(1000, 0);
        assertThat(rate.admit(empty, 0, empty.length)).isEqualTo(empty.length);
    }

    @Test
    void aBatchTheBucketsCanPayForIsPaidWholeAndOneTheyCannotIsNotPaidAtAll() {
        SendRate rate = new SendRate(100, 0, 1024);
        assertThat(rate.admitAll(60, 600)).isTrue();
        assertThat(rate.admitAll(60, 600)).as("40 left").isFalse();
        byte[] bytes = frames(60, 10);
        // Nothing was paid for the refused batch: 40 of its frames pass one by one.
        assertThat(rate.admit(bytes, 0, bytes.length)).isEqualTo(40 * (Wire.SEND_HEADER_BYTES + 10));
    }

    @Test
    void theByteBucketRefusesAWholeBatchOverItsBytes() {
        SendRate rate = new SendRate(0, 1000, 100);
        assertThat(rate.admitAll(1, 1001)).isFalse();
        assertThat(rate.admitAll(1000, 1000)).as("messages are not counted without a message rate").isTrue();
    }
}
