package io.switchboard.relay;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Message;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Policy pause and isolation (PROTOCOL.md sections 4.3 and 5), on the default settings: pause,
 * 4 MiB queues, a slow-consumer timeout of 30 s that these tests stay well inside of.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayFlowControlTest extends RelayTestSupport {

    private static final int SIZE = 64 * 1024;

    /**
     * A sender that fills a destination's queue is no longer read: its later messages to another
     * client wait, then all of them arrive, in order, once the destination reads.
     */
    @Test
    void pausedSenderIsReadAgainWhenTheDestinationReadsAndNothingIsLost() throws Exception {
        TestClient sender = connect();
        TestClient slow = connectNonReading();
        TestClient other = connect();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        FrameCollector otherFrames = collectInto(ledger, other);
        int later = 200;
        AtomicBoolean paused = new AtomicBoolean();
        Future<Long> flooding = flood(sender, slow, SIZE, ledger, paused::get, 0);
        Future<Void> thenOther = background(() -> {
            long seq = result(flooding);
            for (int i = 0; i < later; i++) {
                seq++;
                ledger.sent(sender.id(), seq, other.id());
                sender.send(other.id(), TaggedPayload.of(sender.id(), seq, 100));
            }
            return null;
        });
        long readBefore = awaitPaused(sender, slow, SIZE);
        paused.set(true);

        // Nothing of the sender is read while the destination does not read: the messages
        // written after the flood do not reach the other client.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> otherFrames.frames().isEmpty() && session(sender).messagesIn() == readBefore);

        FrameCollector slowFrames = collectInto(ledger, slow);
        result(thenOther);
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();

        System.out.println("Pause, then the destination read: " + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(ledger.tally()).containsOnlyKeys("DELIVER");
        assertThat(senderFrames.frames()).isEmpty();
        assertInOrder(slowFrames.delivers(), 1, sender.sent() - later);
        assertInOrder(otherFrames.delivers(), sender.sent() - later + 1, sender.sent());
    }

    /**
     * One client does not read and one sender floods it (and is paused); two other clients'
     * round trips go on all the while. Checked: they complete, within a generous bound, and the
     * flooding sender stayed paused throughout. The latencies are printed, not asserted.
     */
    @Test
    void clientsThatDoNotSendToANonReaderAreNotHeldUpByIt() throws Exception {
        TestClient flooder = connect();
        TestClient hog = connectNonReading();
        TestClient a = connect();
        TestClient b = connect();
        int roundTrips = 2000;
        long[] before = roundTrips(a, b, roundTrips);

        AtomicBoolean done = new AtomicBoolean();
        flood(flooder, hog, SIZE, new OutcomeLedger(), done::get, 0);
        long readBefore = awaitPaused(flooder, hog, SIZE);
        Future<long[]> during = background(() -> roundTrips(a, b, roundTrips));
        long[] latencies = during.get(60, TimeUnit.SECONDS);
        done.set(true);

        assertThat(session(flooder).messagesIn()).as("SENDs of the paused flooder read").isEqualTo(readBefore);
        assertThat(isFull(hog, SIZE)).isTrue();
        assertThat(queuedBytes(hog)).isLessThanOrEqualTo(this.properties.maxQueuedBytes().toBytes() + SIZE);
        System.out.println("Round trips between two clients, " + roundTrips + " each: without a flood "
                + summary(before) + "; while a third client floods a fourth that does not read "
                + summary(latencies));
    }

    /** Round trips a to b and back, one at a time; their latencies in nanoseconds, sorted. */
    private static long[] roundTrips(TestClient a, TestClient b, int count) throws Exception {
        long[] latencies = new long[count];
        byte[] payload = new byte[8];
        for (int i = 0; i < count; i++) {
            Wire.putLong(payload, 0, i);
            long start = System.nanoTime();
            a.send(b.id(), payload);
            Message there = b.readDeliver();
            b.send(a.id(), there.payload());
            Message back = a.readDeliver();
            latencies[i] = System.nanoTime() - start;
            assertThat(back.src()).isEqualTo(Integer.toUnsignedLong(b.id()));
            assertThat(Wire.getLong(back.payload(), 0)).isEqualTo(i);
        }
        Arrays.sort(latencies);
        return latencies;
    }

    private static String summary(long[] sorted) {
        return String.format("p50 %d us, p99 %d us, max %d us", sorted[sorted.length / 2] / 1000,
                sorted[(int) (sorted.length * 0.99)] / 1000, sorted[sorted.length - 1] / 1000);
    }
}
