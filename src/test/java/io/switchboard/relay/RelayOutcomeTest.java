package io.switchboard.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Message;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly one outcome for every SEND (PROTOCOL.md section 4.1) under a random mix of senders,
 * destinations that leave mid-stream and unknown IDs. The seed is fixed and printed; set
 * {@code -Dswitchboard.test.seed=N} to replay another.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayOutcomeTest extends RelayTestSupport {

    private static final long SEED = Long.getLong("switchboard.test.seed", 0x5EED_2026L);

    @Test
    void everySendEndsInExactlyOneDeliverOrOneError() throws Exception {
        System.out.println("RelayOutcomeTest seed " + SEED);
        Random random = new Random(SEED);
        OutcomeLedger ledger = new OutcomeLedger();
        int senderCount = 3;
        int perSender = 1500;

        // Destinations read everything they get; some leave after a number of DELIVERs, by
        // half-closing, then read on until the server has closed them, so that every DELIVER
        // written to them is counted.
        List<TestClient> destinations = new ArrayList<>();
        List<FrameCollector> destinationFrames = new ArrayList<>();
        for (int d = 0; d < 5; d++) {
            TestClient dest = connect();
            int leaveAfter = (d < 3) ? 50 + random.nextInt(900) : -1;
            AtomicInteger received = new AtomicInteger();
            destinations.add(dest);
            destinationFrames.add(collect(dest, frame -> {
                ledger.delivered(dest.id(), (Message) frame);
                if (received.incrementAndGet() == leaveAfter) {
                    halfClose(dest);
                }
            }));
            System.out.println("destination " + dest.id() + (leaveAfter < 0 ? " stays" : " leaves after " + leaveAfter));
        }
        int[] unknown = { Wire.OPERATOR_ID, 0x7FFF_FFF0, 0xFFFF_FFFE };

        List<TestClient> senders = new ArrayList<>();
        List<FrameCollector> senderFrames = new ArrayList<>();
        List<Future<Void>> sending = new ArrayList<>();
        for (int s = 0; s < senderCount; s++) {
            TestClient sender = connect();
            senders.add(sender);
            senderFrames.add(collectInto(ledger, sender));
            // The plan is drawn up front, so that a seed always gives the same SENDs.
            int[] dests = new int[perSender + 1];
            int[] sizes = new int[perSender + 1];
            for (int seq = 1; seq <= perSender; seq++) {
                dests[seq] = (random.nextInt(100) < 8) ? unknown[random.nextInt(unknown.length)]
                        : destinations.get(random.nextInt(destinations.size())).id();
                sizes[seq] = TaggedPayload.MIN_BYTES + (random.nextInt(10) == 0 ? random.nextInt(20_000) : random.nextInt(300));
            }
            long writesSeed = random.nextLong();
            sending.add(background(() -> {
                Random writes = new Random(writesSeed);
                int seq = 1;
                while (seq <= perSender) {
                    // 1 to 10 frames per write.
                    List<byte[]> frames = new ArrayList<>();
                    for (int n = 1 + writes.nextInt(10); n > 0 && seq <= perSender; n--, seq++) {
                        ledger.sent(sender.id(), seq, dests[seq]);
                        frames.add(TestClient.sendFrame(dests[seq], TaggedPayload.of(sender.id(), seq, sizes[seq])));
                    }
                    sender.writeRaw(TestClient.frames(frames.toArray(byte[][]::new)));
                    sender.countSent(frames.size());
                }
                return null;
            }));
        }
        for (Future<Void> future : sending) {
            result(future);
        }
        await().atMost(PATIENCE).until(ledger::isComplete);
        // The destinations still here leave too, so that any DELIVER still on its way is counted.
        for (int d = 0; d < destinations.size(); d++) {
            if (!destinationFrames.get(d).hasEnded()) {
                halfClose(destinations.get(d));
            }
            destinationFrames.get(d).awaitEnd(PATIENCE);
            assertThat(destinationFrames.get(d).isClosedByServer()).isTrue();
        }
        for (FrameCollector frames : senderFrames) {
            frames.stop();
            assertThat(frames.delivers()).isEmpty();
        }

        System.out.println("Outcomes of " + ledger.size() + " SENDs: " + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(ledger.size()).isEqualTo(senderCount * perSender);
        assertThat(ledger.tally()).containsKeys("DELIVER", ErrorCode.UNKNOWN_DESTINATION.name());
    }

    private static void halfClose(TestClient client) {
        try {
            client.shutdownOutput();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
