package io.switchboard.relay;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Message;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Payloads arrive byte for byte, whatever the payload and however the SEND frames are cut
 * into writes (PROTOCOL.md sections 2 and 3). Default settings.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayFramingTest extends RelayTestSupport {

    @Test
    void payloadsOfManySizesArriveByteForByte() throws Exception {
        Random random = new Random(1);
        TestClient a = connect();
        TestClient b = connect();
        for (int size : new int[] { 0, 1, 2, 7, 8, 9, 13, 255, 256, 4095, 4096, 4097, 65535, 65536, 65537, 300_000 }) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            a.send(b.id(), payload);
            Message deliver = b.readDeliver();
            assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
            assertThat(deliver.payload()).as("payload of %s bytes", size).isEqualTo(payload);
        }
    }

    @Test
    void emptyPayloadIsDelivered() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        a.send(b.id(), new byte[0]);
        a.send(b.id(), new byte[] { 42 });
        Message empty = b.readDeliver();
        assertThat(empty.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
        assertThat(empty.payload()).isEmpty();
        // The empty DELIVER took no payload bytes of the next one.
        assertThat(b.readDeliver().payload()).containsExactly(42);
    }

    @Test
    void clientCanSendToItself() throws Exception {
        TestClient a = connect();
        a.send(a.id(), "to me".getBytes());
        Message deliver = a.readDeliver();
        assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
        assertThat(deliver.payload()).isEqualTo("to me".getBytes());
    }

    @Test
    void everyByteValueSurvives() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        byte[] payload = new byte[512];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        a.send(b.id(), payload);
        Message deliver = b.readDeliver();
        assertThat(deliver.payload()).isEqualTo(payload);
        for (int v = 0; v < 256; v++) {
            assertThat(deliver.payload()[v] & 0xFF).isEqualTo(v);
        }
    }

    @Test
    void payloadOfExactlyMaxPayloadBytesIsDelivered() throws Exception {
        int max = (int) this.properties.maxPayloadBytes().toBytes();
        TestClient a = connect();
        TestClient b = connect();
        byte[] payload = new byte[max];
        new Random(2).nextBytes(payload);
        Future<Void> writing = writeInBackground(a, TestClient.sendFrame(b.id(), payload));
        Message deliver = b.readDeliver();
        result(writing);
        assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
        assertThat(deliver.payload()).hasSize(max).isEqualTo(payload);
    }

    @Test
    void framesWrittenOneByteAtATime() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        byte[] bytes = TestClient.frames(TestClient.sendFrame(b.id(), "first".getBytes()),
                TestClient.sendFrame(b.id(), new byte[0]), TestClient.sendFrame(b.id(), "third one".getBytes()));
        a.writeByteByByte(bytes);
        assertThat(b.readDeliver().payload()).isEqualTo("first".getBytes());
        assertThat(b.readDeliver().payload()).isEmpty();
        assertThat(b.readDeliver().payload()).isEqualTo("third one".getBytes());
    }

    @Test
    void manyFramesCoalescedInOneWrite() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        int count = 2000;
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++) {
            frames[i] = TestClient.sendFrame(b.id(), payloadNumbered(i, i % 50));
        }
        Future<Void> writing = writeInBackground(a, TestClient.frames(frames));
        for (int i = 0; i < count; i++) {
            Message deliver = b.readDeliver();
            assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
            assertThat(deliver.payload()).as("message %s", i).isEqualTo(payloadNumbered(i, i % 50));
        }
        result(writing);
    }

    @Test
    void framesSplitAtEveryByteOffset() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        byte[] first = "split me".getBytes();
        byte[] second = "and me!".getBytes();
        byte[] bytes = TestClient.frames(TestClient.sendFrame(b.id(), first), TestClient.sendFrame(b.id(), second));
        for (int split = 1; split < bytes.length; split++) {
            a.writeRaw(Arrays.copyOfRange(bytes, 0, split));
            a.writeRaw(Arrays.copyOfRange(bytes, split, bytes.length));
            a.countSent(2);
            assertThat(b.readDeliver().payload()).as("first frame, split at %s", split).isEqualTo(first);
            assertThat(b.readDeliver().payload()).as("second frame, split at %s", split).isEqualTo(second);
        }
        // The SEND numbering went on across all the splits: the next one is seq 2 * splits + 1.
        long seq = a.send(0, new byte[0]);
        assertThat(seq).isEqualTo(2L * (bytes.length - 1) + 1);
        assertThat(a.readError().seq()).isEqualTo(seq);
    }

    private static byte[] payloadNumbered(int i, int extra) {
        byte[] payload = new byte[4 + extra];
        Wire.putInt(payload, 0, i);
        for (int k = 0; k < extra; k++) {
            payload[4 + k] = (byte) (i + k);
        }
        return payload;
    }

    private Future<Void> writeInBackground(TestClient client, byte[] bytes) {
        return background(() -> {
            client.writeRaw(bytes);
            return null;
        });
    }
}
