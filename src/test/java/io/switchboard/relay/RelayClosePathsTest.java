package io.switchboard.relay;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every SEND read in full is routed at once and keeps its one outcome, however the sender's
 * connection ends (PROTOCOL.md section 4, items 1 and 5; section 5, "A client closing"): while
 * the next frame is still arriving, and when the client closes (FIN), resets (RST) or
 * half-closes in the middle of a frame. Default settings.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayClosePathsTest extends RelayTestSupport {

    /** An ID no client has. */
    private static final int NOBODY = 0x7FFF_FFF0;

    enum Ending { STAY_OPEN, FIN, RST, HALF_CLOSE }

    /**
     * K complete SENDs (every fifth to nobody) and the first bytes of one more, in one write;
     * then the sender's connection ends one way or another. The destination gets every SEND
     * addressed to it, and the partial frame is never relayed.
     */
    @ParameterizedTest(name = "{0} SENDs then {1} bytes of the next, then {2}")
    @CsvSource({ "1, 3, STAY_OPEN", "7, 8, STAY_OPEN", "600, 30, STAY_OPEN",
            "1, 3, FIN", "7, 8, FIN", "600, 30, FIN",
            "1, 3, RST", "7, 8, RST", "600, 30, RST",
            "1, 3, HALF_CLOSE", "7, 8, HALF_CLOSE", "600, 30, HALF_CLOSE" })
    void completeSendsBeforeAPartialFrameKeepTheirOutcome(int complete, int partialBytes, Ending ending)
            throws Exception {
        TestClient sender = connect();
        TestClient dest = connect();
        OutcomeLedger toDest = new OutcomeLedger();
        OutcomeLedger toNobody = new OutcomeLedger();
        FrameCollector destFrames = collectInto(toDest, dest);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int toNobodyCount = 0;
        for (int seq = 1; seq <= complete; seq++) {
            boolean nobody = seq % 5 == 0;
            (nobody ? toNobody : toDest).sent(sender.id(), seq, nobody ? NOBODY : dest.id());
            toNobodyCount += nobody ? 1 : 0;
            bytes.writeBytes(TestClient.sendFrame(nobody ? NOBODY : dest.id(), TaggedPayload.of(sender.id(), seq, 40)));
        }
        byte[] next = TestClient.sendFrame(dest.id(), TaggedPayload.of(sender.id(), complete + 1, 40));
        bytes.writeBytes(Arrays.copyOf(next, partialBytes));
        sender.writeRaw(bytes.toByteArray());
        sender.countSent(complete);

        switch (ending) {
            case STAY_OPEN -> { }
            case FIN -> sender.close();
            case RST -> {
                sender.socket().setSoLinger(true, 0);
                sender.close();
            }
            case HALF_CLOSE -> sender.shutdownOutput();
        }
        await().atMost(PATIENCE).until(toDest::isComplete);
        assertThat(toDest.problems()).isEmpty();
        assertThat(toDest.tally()).containsOnlyKeys("DELIVER");

        if (ending == Ending.HALF_CLOSE) {
            // It still reads: an ERROR for each SEND to nobody, then the server closes.
            for (Incoming frame : sender.readUntilClosed()) {
                toNobody.failed(sender.id(), (SendError) frame);
            }
            assertThat(toNobody.problems()).isEmpty();
            assertThat(toNobody.tally()).isEqualTo(toNobodyCount == 0 ? Map.of()
                    : Map.of(ErrorCode.UNKNOWN_DESTINATION.name(), toNobodyCount));
        }
        if (ending == Ending.STAY_OPEN) {
            // The rest of the frame arrives, and then it is routed too.
            sender.writeRaw(Arrays.copyOfRange(next, partialBytes, next.length));
            toDest.sent(sender.id(), complete + 1, dest.id());
            await().atMost(PATIENCE).until(toDest::isComplete);
            assertThat(toDest.problems()).isEmpty();
        }
        else {
            await().atMost(PATIENCE).until(() -> !isConnected(sender));
        }
        destFrames.stop();
        // Nothing else reached the destination: not a byte of the partial frame.
        assertThat(destFrames.delivers()).hasSize(complete - toNobodyCount + (ending == Ending.STAY_OPEN ? 1 : 0));
    }

    /**
     * A small SEND written before a large one on a slow link is delivered while the large one is
     * still arriving, not after it.
     */
    @Test
    void aSmallMessageIsNotHeldBehindTheLargeOneAfterIt() throws Exception {
        TestClient sender = connect();
        TestClient dest = connect();
        byte[] large = TestClient.sendFrame(dest.id(), TaggedPayload.of(sender.id(), 2, 500_000));
        sender.writeRaw(TestClient.frames(TestClient.sendFrame(dest.id(), TaggedPayload.of(sender.id(), 1, 20)),
                Arrays.copyOf(large, 1000)));
        Message small = dest.readDeliver();
        assertThat(TaggedPayload.seq(small.payload())).isEqualTo(1);
        sender.writeRaw(Arrays.copyOfRange(large, 1000, large.length));
        Message big = dest.readDeliver();
        assertThat(TaggedPayload.seq(big.payload())).isEqualTo(2);
        assertThat(TaggedPayload.isIntact(big.payload())).isTrue();
    }

    /**
     * The half-close of a client that sent SENDs to nobody: it gets every ERROR, then the server
     * closes, in every trial.
     */
    @Test
    void aHalfClosedClientGetsAllItsErrorsBeforeTheServerCloses() throws Exception {
        for (int trial = 0; trial < 15; trial++) {
            TestClient sender = connect();
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                frames.add(TestClient.sendFrame(NOBODY + i, new byte[i]));
            }
            sender.writeRaw(TestClient.frames(frames.toArray(byte[][]::new)));
            sender.shutdownOutput();
            List<Incoming> read = sender.readUntilClosed();
            assertThat(read).as("trial %s", trial).hasSize(50).allSatisfy(frame -> assertThat(frame)
                    .isInstanceOfSatisfying(SendError.class,
                            error -> assertThat(error.code()).isEqualTo(ErrorCode.UNKNOWN_DESTINATION)));
            assertThat(read.stream().map(frame -> ((SendError) frame).seq()))
                    .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 50).boxed().toList());
            sender.close();
        }
    }

    /**
     * A client that has begun to close is still connected, and a SEND routed to it from then on
     * ends as DESTINATION_GONE; what was queued for it before is written (PROTOCOL.md section 5).
     */
    @Test
    void aSendToAClientThatIsClosingEndsAsDestinationGone() throws Exception {
        TestClient sender = connect();
        TestClient dest = connectNonReading();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        // Full, and more after it: under pause, the next one waits for room.
        Future<Long> flooding = floodUntilFull(sender, dest, 8192, 3, ledger);
        long lastBefore = result(flooding);
        awaitPaused(sender, dest, 8192);

        dest.shutdownOutput();
        await().atMost(PATIENCE).until(() -> senderFrames.errors().stream()
                .anyMatch(error -> error.code() == ErrorCode.DESTINATION_GONE));
        assertThat(isConnected(dest)).isTrue();
        long later = sendTracked(ledger, sender, dest, 100);
        await().atMost(PATIENCE).until(() -> senderFrames.errors().stream().anyMatch(error -> error.seq() == later));

        for (Incoming frame : dest.readUntilClosed()) {
            ledger.delivered(dest.id(), (Message) frame);
        }
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();
        System.out.println("Destination closing with a full queue: " + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(ledger.outcomesTo(sender.id(), dest.id()).get(later)).containsExactly("DESTINATION_GONE");
        assertOutcomesInSequence(ledger.outcomesTo(sender.id(), dest.id()), "DELIVER at " + dest.id(),
                "DESTINATION_GONE");
        assertThat(lastBefore).isPositive();
    }

    /** The sender of a frame too large still gets the ERRORs of its earlier SENDs, then FRAME_TOO_LARGE, then EOF. */
    @Test
    void aFrameTooLargeEndsTheSessionAfterTheOutcomesOfTheSendsBeforeIt() throws Exception {
        TestClient sender = connect();
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, 3, (int) this.properties.maxPayloadBytes().toBytes() + 1);
        sender.writeRaw(TestClient.frames(TestClient.sendFrame(NOBODY, new byte[3]),
                TestClient.sendFrame(NOBODY + 1, new byte[0]), header, new byte[100]));
        List<Incoming> read = sender.readUntilClosed();
        assertThat(read).containsExactlyInAnyOrder(new SendError(ErrorCode.UNKNOWN_DESTINATION, NOBODY, 1),
                new SendError(ErrorCode.UNKNOWN_DESTINATION, NOBODY + 1, 2),
                new SendError(ErrorCode.FRAME_TOO_LARGE, 3, 3));
        assertThat(read.getLast()).isEqualTo(new SendError(ErrorCode.FRAME_TOO_LARGE, 3, 3));
    }
}
