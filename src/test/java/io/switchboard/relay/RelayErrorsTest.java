package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ERROR frames name the right code, dest and seq, where seq counts every SEND of the connection,
 * delivered ones too (PROTOCOL.md section 3). Default settings: policy pause, 1 MiB payloads,
 * 4 MiB queues.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayErrorsTest extends RelayTestSupport {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void unknownDestinationNamesDestAndSeqAmongDeliveredSends() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        assertThat(a.send(b.id(), "1".getBytes())).isEqualTo(1);
        long unknown = a.send(99_999_999, "2".getBytes());
        a.send(b.id(), "3".getBytes());
        long zero = a.send(Wire.OPERATOR_ID, "4".getBytes());
        long top = a.send(Wire.toId(Wire.MAX_ID), new byte[0]);
        a.send(a.id(), "6".getBytes());
        assertThat(a.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 99_999_999, unknown));
        assertThat(unknown).isEqualTo(2);
        assertThat(a.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 0, zero));
        assertThat(zero).isEqualTo(4);
        SendError topError = a.readError();
        assertThat(topError.code()).isEqualTo(ErrorCode.UNKNOWN_DESTINATION);
        assertThat(topError.dest()).isEqualTo(Wire.MAX_ID);
        assertThat(topError.seq()).isEqualTo(5);
        assertThat(a.readDeliver().payload()).isEqualTo("6".getBytes());
        assertThat(b.readDeliver().payload()).isEqualTo("1".getBytes());
        assertThat(b.readDeliver().payload()).isEqualTo("3".getBytes());
    }

    @Test
    void clientThatHasLeftIsAnUnknownDestination() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        int gone = b.id();
        b.close();
        await().atMost(PATIENCE).until(() -> this.registry.get(gone) == null);
        a.send(a.id(), "ok".getBytes());
        long seq = a.send(gone, "late".getBytes());
        // ERRORs may come in any order with DELIVERs (PROTOCOL.md section 3).
        List<Incoming> frames = List.of(a.read(), a.read());
        assertThat(frames).filteredOn(Message.class::isInstance).singleElement()
                .satisfies(frame -> assertThat(((Message) frame).payload()).isEqualTo("ok".getBytes()));
        assertThat(frames).contains(new SendError(ErrorCode.UNKNOWN_DESTINATION, Integer.toUnsignedLong(gone), seq));
    }

    /**
     * The size is checked before the destination, the frames before it in the same write are
     * delivered, and the payload is never read: it holds SEND frames that must not be relayed.
     */
    @Test
    void frameTooLargeNamesItsOwnDestThenClosesWithoutReadingThePayload() throws Exception {
        TestClient sender = connect();
        TestClient b = connect();
        long max = this.properties.maxPayloadBytes().toBytes();
        byte[] smuggled = smuggledFrames(b.id(), 50);
        byte[] oversized = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(oversized, 0, 0xDEAD_BEEF, (int) (max + 1));
        sender.writeRaw(TestClient.frames(TestClient.sendFrame(b.id(), "one".getBytes()),
                TestClient.sendFrame(b.id(), "two".getBytes()), oversized, smuggled));

        SendError error = sender.readError();
        assertThat(error.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
        assertThat(error.dest()).isEqualTo(0xDEAD_BEEFL);
        assertThat(error.seq()).isEqualTo(3);
        assertThat(sender.awaitClosedByServer(CLOSE_TIMEOUT)).as("closed after FRAME_TOO_LARGE").isTrue();
        assertOnlyThenMarker(b, sender.id(), "one", "two");
    }

    @Test
    void lengthOfAllOnesIsTooLarge() throws Exception {
        TestClient sender = connect();
        TestClient b = connect();
        sender.send(b.id(), "before".getBytes());
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, b.id(), 0xFFFF_FFFF);
        sender.writeRaw(TestClient.frames(header, smuggledFrames(b.id(), 10)));
        assertThat(sender.readError()).isEqualTo(new SendError(ErrorCode.FRAME_TOO_LARGE, Integer.toUnsignedLong(b.id()), 2));
        assertThat(sender.awaitClosedByServer(CLOSE_TIMEOUT)).isTrue();
        assertOnlyThenMarker(b, sender.id(), "before");
    }

    /** One byte over the limit, in a write of its own: the header alone decides. */
    @Test
    void oneByteOverTheLimitIsTooLarge() throws Exception {
        TestClient sender = connect();
        TestClient b = connect();
        long max = this.properties.maxPayloadBytes().toBytes();
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, b.id(), (int) (max + 1));
        sender.writeRaw(header);
        assertThat(sender.readError()).isEqualTo(new SendError(ErrorCode.FRAME_TOO_LARGE, Integer.toUnsignedLong(b.id()), 1));
        assertThat(sender.awaitClosedByServer(CLOSE_TIMEOUT)).isTrue();
        assertOnlyThenMarker(b, sender.id());
    }

    /**
     * A destination that does not read, with messages queued for it, disconnects: each message
     * it did not get ends in one DESTINATION_GONE, those already written are readable by it, and
     * the sender's messages after that are for an unknown destination.
     */
    @Test
    void destinationThatDisconnectsWithQueuedMessagesGivesDestinationGone() throws Exception {
        TestClient sender = connect();
        TestClient dest = connectNonReading();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        long maxQueued = this.properties.maxQueuedBytes().toBytes();
        int size = 16 * 1024;
        Future<Long> sending = flood(sender, dest, size, ledger, () -> !isConnected(dest), 20);
        // Full: the sender is paused on the next message, and the queue holds unwritten ones.
        await().atMost(PATIENCE).until(() -> queuedBytes(dest) > maxQueued - size);

        dest.shutdownOutput();
        for (Incoming frame : dest.readUntilClosed()) {
            ledger.delivered(dest.id(), (Message) frame);
        }
        result(sending);
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();

        System.out.println("Destination left with a full queue: " + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(ledger.tally()).containsKey(ErrorCode.DESTINATION_GONE.name());
        assertOutcomesInSequence(ledger.outcomesTo(sender.id(), dest.id()), "DELIVER at " + dest.id(),
                ErrorCode.DESTINATION_GONE.name(), ErrorCode.UNKNOWN_DESTINATION.name());
    }

    /** SEND frames to {@code dest}, as the payload of an oversized frame that must not be relayed. */
    private static byte[] smuggledFrames(int dest, int count) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            frames.add(TestClient.sendFrame(dest, "smuggled".getBytes()));
        }
        return TestClient.frames(frames.toArray(byte[][]::new));
    }

    /**
     * {@code b} reads the given messages of {@code from}, then the marker of a fresh client:
     * nothing else came in between.
     */
    private void assertOnlyThenMarker(TestClient b, int from, String... expected) throws Exception {
        for (String payload : expected) {
            Message deliver = b.readDeliver();
            assertThat(deliver.src()).isEqualTo(from);
            assertThat(new String(deliver.payload())).isEqualTo(payload);
        }
        TestClient c = connect();
        c.send(b.id(), "marker".getBytes());
        Message next = b.readDeliver();
        assertThat(next.src()).as("the next frame's sender").isEqualTo(Integer.toUnsignedLong(c.id()));
        assertThat(new String(next.payload())).isEqualTo("marker");
    }
}
