package io.switchboard.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;



import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One client's queue without sockets: what it takes, what it writes in what order, the outcome
 * each message gets however its batch ends, and the memory it takes from the node's budget and
 * gives back.
 */
class OutboundQueueTest {

    private static final int ID = 77;
    private static final int SRC = 5;

    private final MemoryBudget budget = new MemoryBudget(64 * 1024 * 1024);
    private final AtomicBoolean ownerFinished = new AtomicBoolean();
    private final Outcomes outcomes = new Outcomes();

    /** The outcomes reported to one origin, in the order they came. */
    static final class Outcomes implements MessageOrigin {

        final List<String> seen = new ArrayList<>();

        @Override
        public synchronized void delivered(int dest, long seq) {
            this.seen.add("delivered " + seq);
        }

        @Override
        public synchronized void failed(ErrorCode code, int dest, long seq) {
            this.seen.add(code + " " + seq);
        }
    }

    private OutboundQueue queue(long maxQueuedBytes) {
        return new OutboundQueue(ID, maxQueuedBytes, this.budget, this.ownerFinished::get);
    }

    private static byte[] payload(int size, int fill) {
        byte[] payload = new byte[size];
        java.util.Arrays.fill(payload, (byte) fill);
        return payload;
    }

    /** The bytes the writer would send for a batch, in order. */
    private static byte[] written(OutboundBatch batch) {
        return OutboundBatchTest.stream(batch);
    }

    private static byte[] deliver(int src, byte[] payload) {
        byte[] frame = new byte[Wire.DELIVER_HEADER_BYTES + payload.length];
        Wire.putDeliverHeader(frame, 0, src, payload.length);
        System.arraycopy(payload, 0, frame, Wire.DELIVER_HEADER_BYTES, payload.length);
        return frame;
    }

    private static byte[] error(ErrorCode code, int dest, long seq) {
        byte[] frame = new byte[Wire.ERROR_FRAME_BYTES];
        Wire.putError(frame, 0, code, dest, seq);
        return frame;
    }

    private static byte[] concat(byte[]... parts) {
        return TestClient.frames(parts);
    }

    @Test
    void theGreetingComesFirstThenErrorsThenDeliversInOrder() {
        OutboundQueue queue = queue(1024);
        assertThat(queue.offer(SRC, payload(3, 1), 0, 3, this.outcomes, 1, 0)).isEqualTo(Admission.QUEUED);
        assertThat(queue.offerError(ErrorCode.UNKNOWN_DESTINATION, 9, 4, true)).isEqualTo(Admission.QUEUED);
        Body body = new Body(payload(5, 2), 0, 5, this.budget, 0);
        assertThat(queue.offer(SRC, body, this.outcomes, 2, 0)).isEqualTo(Admission.QUEUED);
        body.release();
        assertThat(queue.offer(SRC, payload(4, 3), 0, 4, this.outcomes, 3, 0)).isEqualTo(Admission.QUEUED);

        OutboundBatch batch = queue.take(null);
        byte[] greeting = new byte[4];
        Wire.putInt(greeting, 0, ID);
        assertThat(written(batch)).isEqualTo(concat(greeting, error(ErrorCode.UNKNOWN_DESTINATION, 9, 4),
                deliver(SRC, payload(3, 1)), deliver(SRC, payload(5, 2)), deliver(SRC, payload(4, 3))));
        assertThat(queue.queuedBytes()).isEqualTo(12);
        queue.written(batch);
        assertThat(this.outcomes.seen).containsExactly("delivered 1", "delivered 2", "delivered 3");
        assertThat(queue.queuedBytes()).isZero();
        assertThat(queue.heldBytes()).isZero();
    }

    @Test
    void aPartialWriteDeliversTheMessagesItCompletesAndStopsCountingThem() {
        OutboundQueue queue = queue(1 << 20);
        for (int seq = 1; seq <= 4; seq++) {
            queue.offer(SRC, payload(100, seq), 0, 100, this.outcomes, seq, 0);
        }
        OutboundBatch batch = queue.take(null);
        int frame = Wire.DELIVER_HEADER_BYTES + 100;
        // The greeting and two frames and a half reached the socket.
        queue.advanced(batch, Wire.GREETING_BYTES + 2L * frame + 50);
        assertThat(this.outcomes.seen).containsExactly("delivered 1", "delivered 2");
        assertThat(queue.queuedBytes()).isEqualTo(200);
        assertThat(queue.heldBytes()).isEqualTo(200 + 2L * OutboundBatch.MESSAGE_OVERHEAD);
        // Then the connection broke: the half-written one and the one after it are gone.
        queue.failed(batch, Wire.GREETING_BYTES + 2L * frame + 50);
        assertThat(this.outcomes.seen).containsExactly("delivered 1", "delivered 2", "DESTINATION_GONE 3",
                "DESTINATION_GONE 4");
        assertThat(queue.queuedBytes()).isZero();
        assertThat(queue.heldBytes()).isZero();
    }

    @Test
    void roomFollowsTheProtocolsRuleAndOverheadIsBoundedToo() {
        OutboundQueue queue = queue(1000);
        queue.take(null); // the greeting, being written
        assertThat(queue.offer(SRC, payload(600, 1), 0, 600, this.outcomes, 1, 0)).isEqualTo(Admission.QUEUED);
        assertThat(queue.offer(SRC, payload(400, 1), 0, 400, this.outcomes, 2, 0)).isEqualTo(Admission.QUEUED);
        assertThat(queue.offer(SRC, payload(1, 1), 0, 1, this.outcomes, 3, 0)).isEqualTo(Admission.BUSY);

        // Empty messages fill the overhead bound, not the payload bound.
        OutboundQueue empties = queue(1000);
        int taken = 0;
        while (empties.offer(SRC, new byte[0], 0, 0, this.outcomes, taken + 1, 0) == Admission.QUEUED) {
            taken++;
        }
        assertThat((long) taken * OutboundBatch.MESSAGE_OVERHEAD + Wire.GREETING_BYTES).isLessThanOrEqualTo(1000)
                .isGreaterThan(1000 - OutboundBatch.MESSAGE_OVERHEAD);
    }

    @Test
    void aQueueThatCannotGrowWithinTheBudgetSaysSoAndTakesNothing() {
        MemoryBudget small = new MemoryBudget(4096);
        OutboundQueue queue = new OutboundQueue(ID, 1 << 20, small, this.ownerFinished::get);
        int taken = 0;
        Admission answer;
        while ((answer = queue.offer(SRC, payload(100, 1), 0, 100, this.outcomes, taken + 1, 0)) == Admission.QUEUED) {
            taken++;
        }
        assertThat(answer).isEqualTo(Admission.NO_MEMORY);
        assertThat(small.used()).isLessThanOrEqualTo(small.limit());
        assertThat(queue.queuedBytes()).isEqualTo(100L * taken);
        // An ERROR its own reader found waits for memory too; the outcome of a message never does.
        assertThat(queue.offerError(ErrorCode.UNKNOWN_DESTINATION, 1, 1, true)).isIn(Admission.QUEUED, Admission.NO_MEMORY);
        for (int i = 0; i < 100; i++) {
            assertThat(queue.offerError(ErrorCode.DESTINATION_GONE, 1, i, false)).isEqualTo(Admission.QUEUED);
        }
        queue.close();
        assertThat(small.used()).isZero();
    }

    @Test
    void aBodyCountsOnceHoweverManyQueuesHoldItAndIsGivenBackWithTheLast() {
        byte[] bytes = payload(100_000, 9);
        assertThat(this.budget.tryTake(bytes.length)).isTrue();
        Body body = new Body(bytes, 0, bytes.length, this.budget, bytes.length);
        List<OutboundQueue> queues = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            OutboundQueue queue = queue(1 << 20);
            assertThat(queue.offer(SRC, body, this.outcomes, 0, 0)).isEqualTo(Admission.QUEUED);
            queues.add(queue);
        }
        body.release();
        // The body once, and the queues' small arrays at their initial sizes.
        assertThat(this.budget.used()).isBetween((long) bytes.length, bytes.length + 50L * 1024);
        for (OutboundQueue queue : queues.subList(0, 25)) {
            OutboundBatch batch = queue.take(null);
            assertThat(written(batch)).endsWith(bytes);
            queue.written(batch);
            batch.reset();
            queue.close();
            assertThat(queue.take(batch)).isNull();
        }
        assertThat(this.budget.used()).isGreaterThanOrEqualTo(bytes.length);
        for (OutboundQueue queue : queues.subList(25, 50)) {
            queue.close();
        }
        assertThat(this.budget.used()).isZero();
        assertThat(this.outcomes.seen).hasSize(50);
    }

    /**
     * A queue that holds many messages holds them in a chain of batches, none of whose arrays
     * grows past the size G1 would allocate as a humongous object; they come out in order.
     */
    @Test
    void aFullQueueIsAChainOfBatchesThatComeOutInOrder() {
        OutboundQueue queue = queue(64 << 20);
        OutboundBatch done = queue.take(null);
        queue.written(done);
        done.reset();
        int count = 3 * OutboundBatch.MAX_MESSAGES + 5;
        for (int seq = 1; seq <= count; seq++) {
            assertThat(queue.offer(SRC, payload(seq % 50, seq), 0, seq % 50, this.outcomes, seq, 0))
                    .isEqualTo(Admission.QUEUED);
        }
        for (int i = 0; i < 40; i++) {
            queue.offerError(ErrorCode.DESTINATION_GONE, 3, i, false);
        }
        int batches = 0;
        while (this.outcomes.seen.size() < count) {
            OutboundBatch batch = queue.take(done);
            batches++;
            assertThat(batch.bytes.length).isLessThanOrEqualTo(OutboundBatch.MAX_BYTES);
            assertThat(batch.origins.length).isLessThanOrEqualTo(OutboundBatch.MAX_MESSAGES);
            queue.written(batch);
            batch.reset();
            done = batch;
        }
        assertThat(batches).isGreaterThanOrEqualTo(4);
        List<String> expected = new ArrayList<>();
        for (int seq = 1; seq <= count; seq++) {
            expected.add("delivered " + seq);
        }
        assertThat(this.outcomes.seen).isEqualTo(expected);
        assertThat(queue.queuedBytes()).isZero();
        assertThat(queue.heldBytes()).isZero();
    }

    @Test
    void drainingEndsTheWriterOnceWrittenAndTheOwnerIsFinished() {
        OutboundQueue queue = queue(1 << 20);
        OutboundBatch greeting = queue.take(null);
        queue.written(greeting);
        greeting.reset();
        queue.drain(false);
        // Still taken: a drain at shutdown keeps taking DELIVERs.
        assertThat(queue.offer(SRC, payload(10, 1), 0, 10, this.outcomes, 1, 0)).isEqualTo(Admission.QUEUED);
        OutboundBatch batch = queue.take(greeting);
        queue.written(batch);
        batch.reset();
        this.ownerFinished.set(true);
        assertThat(queue.take(batch)).isNull();
    }

    @Test
    void aClosingClientRefusesNewDeliversButTakesItsErrors() {
        OutboundQueue queue = queue(1 << 20);
        queue.offer(SRC, payload(10, 1), 0, 10, this.outcomes, 1, 0);
        queue.drain(true);
        assertThat(queue.offer(SRC, payload(10, 1), 0, 10, this.outcomes, 2, 0)).isEqualTo(Admission.GONE);
        assertThat(queue.offerError(ErrorCode.UNKNOWN_DESTINATION, 3, 8, false)).isEqualTo(Admission.QUEUED);
        OutboundBatch batch = queue.take(null);
        // What was queued when the close began is still written.
        byte[] greeting = new byte[4];
        Wire.putInt(greeting, 0, ID);
        assertThat(written(batch)).isEqualTo(concat(greeting, error(ErrorCode.UNKNOWN_DESTINATION, 3, 8),
                deliver(SRC, payload(10, 1))));
        queue.written(batch);
        assertThat(this.outcomes.seen).containsExactly("delivered 1");
    }

    @Test
    void expiringEndsWhatWaitsButKeepsTheErrors() {
        OutboundQueue queue = queue(1 << 20);
        OutboundBatch writing = queue.take(null);
        queue.offer(SRC, payload(10, 1), 0, 10, this.outcomes, 1, 0);
        queue.offerError(ErrorCode.DESTINATION_BUSY, 4, 6, false);
        queue.offer(SRC, payload(10, 2), 0, 10, this.outcomes, 2, 0);
        queue.expire();
        assertThat(this.outcomes.seen).containsExactly("DESTINATION_GONE 1", "DESTINATION_GONE 2");
        assertThat(queue.offer(SRC, payload(10, 3), 0, 10, this.outcomes, 3, 0)).isEqualTo(Admission.GONE);
        queue.written(writing);
        writing.reset();
        OutboundBatch errors = queue.take(writing);
        assertThat(written(errors)).isEqualTo(error(ErrorCode.DESTINATION_BUSY, 4, 6));
        queue.written(errors);
        assertThat(queue.queuedBytes()).isZero();
        assertThat(queue.heldBytes()).isZero();
    }

    @Test
    void closingEndsEverythingNotBeingWrittenAndGivesTheMemoryBack() {
        OutboundQueue queue = queue(1 << 20);
        OutboundBatch writing = queue.take(null);
        for (int seq = 1; seq <= 1000; seq++) {
            queue.offer(SRC, payload(500, seq), 0, 500, this.outcomes, seq, 0);
        }
        assertThat(this.budget.used()).isPositive();
        queue.close();
        assertThat(this.outcomes.seen).hasSize(1000).allMatch(outcome -> outcome.startsWith("DESTINATION_GONE"));
        assertThat(queue.offer(SRC, payload(1, 1), 0, 1, this.outcomes, 1001, 0)).isEqualTo(Admission.CLOSED);
        assertThat(queue.offerError(ErrorCode.DESTINATION_GONE, 1, 1, false)).isEqualTo(Admission.CLOSED);
        queue.written(writing);
        assertThat(queue.take(writing)).isNull();
        assertThat(this.budget.used()).isZero();
    }

    @Test
    void anIdleQueueGivesBackWhatItGrew() {
        OutboundQueue queue = queue(1 << 20);
        OutboundBatch batch = queue.take(null);
        queue.written(batch);
        batch.reset();
        for (int seq = 1; seq <= 500; seq++) {
            queue.offer(SRC, payload(100, seq), 0, 100, this.outcomes, seq, 0);
        }
        OutboundBatch grown = queue.take(batch);
        queue.written(grown);
        grown.reset();
        assertThat(this.budget.used()).isPositive();
        // The writer hands its batch back and waits: the queue is idle.
        Thread writer = Thread.ofVirtual().start(() -> queue.take(grown));
        await().until(() -> queue.trimIfIdle() || this.budget.used() == 0);
        assertThat(this.budget.used()).isZero();
        queue.close();
        await().until(() -> !writer.isAlive());
    }
}
