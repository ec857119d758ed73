package io.switchboard.relay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.micrometer.core.instrument.MeterRegistry;

import io.switchboard.client.Message;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The node's memory budget, {@code max-total-queued-bytes} (PROTOCOL.md section 4, item 4), made
 * small so that a test can spend it: the memory held for messages never passes it (but for the
 * ERRORs that report messages dropped, which may exceed it a little); when it is spent, the
 * clients that hold the most and have taken nothing for a second are disconnected, and every
 * SEND keeps its one outcome; partial frames cannot hold it; a broadcast counts once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "switchboard.tcp.port=0",
        "switchboard.max-total-queued-bytes=4MB", "switchboard.max-queued-bytes=1MB",
        "switchboard.max-payload-bytes=256KB", "switchboard.slow-consumer-timeout=120s" })
class RelayMemoryBudgetTest extends RelayTestSupport {

    @Autowired
    MemoryBudget budget;

    @Autowired
    Router router;

    @Autowired
    MeterRegistry meters;

    private double memoryEvictions() {
        return this.meters.get("switchboard.evictions").tag("reason", "memory").counter().count();
    }

    /** Samples the budget until {@code stop}: the most it held. */
    private Future<Long> samplePeak(AtomicLong peak, java.util.function.BooleanSupplier stop) {
        return background(() -> {
            while (!stop.getAsBoolean()) {
                peak.accumulateAndGet(this.budget.used(), Math::max);
                LockSupport.parkNanos(200_000);
            }
            return peak.get();
        });
    }

    /**
     * Eight clients that do not read are flooded with messages until the budget is spent:
     * the stalled ones are disconnected (for memory: the slow-consumer timeout is far off) until
     * the rest fit; a pair of clients that read keeps exchanging messages all the while; and,
     * once the rest have left too, every SEND has one outcome.
     */
    @Test
    void spentMemoryDisconnectsTheStalledHoldersAndEverySendKeepsItsOutcome() throws Exception {
        double evictionsBefore = memoryEvictions();
        OutcomeLedger ledger = new OutcomeLedger();
        List<TestClient> hogs = new ArrayList<>();
        List<TestClient> senders = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            hogs.add(connectNonReading());
            senders.add(connect());
        }
        TestClient a = connect();
        TestClient b = connect();
        FrameCollector bFrames = collectInto(ledger, b);
        List<Future<Long>> floods = new ArrayList<>();
        java.util.function.BooleanSupplier spent = () -> memoryEvictions() - evictionsBefore >= 3;
        for (int i = 0; i < 8; i++) {
            TestClient hog = hogs.get(i);
            collectInto(ledger, senders.get(i));
            floods.add(flood(senders.get(i), hog, 1000, ledger,
                    () -> spent.getAsBoolean() || !isConnected(hog), 20));
        }
        AtomicLong peak = new AtomicLong();
        Future<Long> sampling = samplePeak(peak, () -> floods.stream().allMatch(Future::isDone));

        // A pair that reads keeps flowing while the budget is spent.
        for (int i = 0; i < 200; i++) {
            sendTracked(ledger, a, b, 100);
            if (i % 20 == 0) {
                LockSupport.parkNanos(5_000_000);
            }
        }
        await().atMost(PATIENCE).until(() -> bFrames.delivers().size() == 200);
        await().atMost(PATIENCE).until(spent::getAsBoolean);

        // The hogs still connected leave, reading what they were sent, so that every SEND can
        // be accounted for; the senders paused for them are read again.
        List<Future<Void>> leaving = new ArrayList<>();
        for (TestClient hog : hogs) {
            if (isConnected(hog)) {
                hog.shutdownOutput();
            }
            leaving.add(background(() -> {
                hog.readUntilEnd(frame -> ledger.delivered(hog.id(), (Message) frame));
                return null;
            }));
        }
        for (Future<Long> flood : floods) {
            result(flood);
        }
        for (Future<Void> left : leaving) {
            result(left);
        }
        long most = result(sampling);
        await().atMost(PATIENCE).until(ledger::isComplete);
        long limit = this.budget.limit();
        System.out.printf("Budget %d spent by 8 clients that do not read: at most %d held, %.0f disconnected for"
                + " memory; outcomes %s%n", limit, most, memoryEvictions() - evictionsBefore, ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertThat(memoryEvictions() - evictionsBefore).isGreaterThanOrEqualTo(1);
        assertThat(most).isGreaterThan(limit / 2).isLessThanOrEqualTo(limit + limit / 2);
        assertThat(ledger.tally()).containsKeys("DELIVER", "DESTINATION_GONE");
    }

    /**
     * Connections that each begin a frame of 200 KB, send most of it and stop: together they would
     * hold more than the budget. Their readers wait for memory, the largest stalled ones are
     * disconnected, and a client that then sends a whole frame of that size gets it through.
     */
    @Test
    void partialFramesCannotHoldTheBudget() throws Exception {
        double evictionsBefore = memoryEvictions();
        TestClient receiver = connect();
        int size = 200_000;
        byte[] frame = TestClient.sendFrame(receiver.id(), TaggedPayload.of(1, 1, size));
        List<TestClient> stalled = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            TestClient client = connect();
            stalled.add(client);
            background(() -> {
                client.writeRaw(Arrays.copyOf(frame, 150_000));
                return null;
            });
        }
        AtomicLong peak = new AtomicLong();
        await().atMost(PATIENCE).until(() -> {
            peak.accumulateAndGet(this.budget.used(), Math::max);
            return memoryEvictions() > evictionsBefore;
        });

        TestClient sender = connect();
        byte[] payload = TaggedPayload.of(sender.id(), 1, size);
        sender.send(receiver.id(), payload);
        Message deliver = receiver.readDeliver();
        assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(sender.id()));
        assertThat(deliver.payload()).isEqualTo(payload);
        long limit = this.budget.limit();
        System.out.printf("30 partial frames of 150 KB against a budget of %d: at most %d held, %.0f disconnected%n",
                limit, peak.get(), memoryEvictions() - evictionsBefore);
        assertThat(peak.get()).isLessThanOrEqualTo(limit);
        // Not one of them reached the receiver.
        sender.send(receiver.id(), "marker".getBytes());
        assertThat(receiver.readDeliver().payload()).isEqualTo("marker".getBytes());
        for (TestClient client : stalled) {
            client.close();
        }
    }

    /** A broadcast's body is held once, however many clients it goes to. */
    @Test
    void aBroadcastSharesOneBodyAmongItsRecipients() throws Exception {
        List<TestClient> idle = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            idle.add(connectNonReading());
        }
        await().atMost(PATIENCE).until(() -> this.registry.size() == 300 && this.budget.used() == 0);
        byte[] body = new byte[200_000];
        new Random(5).nextBytes(body);
        int recipients = this.router.broadcast(Wire.OPERATOR_ID, body, MessageOrigin.NONE);
        long held = this.budget.used();
        System.out.printf("A broadcast of %d bytes to %d clients holds %d bytes%n", body.length, recipients, held);
        assertThat(recipients).isEqualTo(300);
        // 300 copies would be 60 MB against a budget of 4.
        assertThat(held).isBetween((long) body.length, body.length + 300L * 512);
        for (TestClient client : idle.subList(0, 3)) {
            Message deliver = client.readDeliver();
            assertThat(deliver.src()).isEqualTo(Wire.OPERATOR_ID);
            assertThat(deliver.payload()).isEqualTo(body);
        }
        for (TestClient client : idle) {
            closeQuietly(client);
        }
        await().atMost(PATIENCE).until(() -> this.budget.used() == 0);
    }

    private static void closeQuietly(TestClient client) {
        try {
            client.close();
        }
        catch (IOException ex) {
            // Closed already.
        }
    }
}
