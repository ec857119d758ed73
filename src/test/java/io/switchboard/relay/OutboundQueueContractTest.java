package io.switchboard.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.LongStream;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static io.switchboard.relay.RecordingOrigin.DELIVERED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contracts of one client's queue that the router and the writer rely on, beyond
 * {@link OutboundQueueTest}'s order and draining: the room rule (PROTOCOL.md section 4) for
 * payload and for overhead; senders that wait for room (policy {@code pause}, a real thread)
 * and those that do not ({@code reject}); exactly one outcome for every message taken, however
 * the queue ends and wherever a write stops; and every byte held counted against the node's
 * memory budget, and given back.
 */
class OutboundQueueContractTest {

    private static final int ID = 77;
    private static final int SRC = 5;
    /** Bound of every wait on another thread: generous, as other builds share the machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final MemoryBudget budget = new MemoryBudget(256L * 1024 * 1024);
    private final RecordingOrigin origin = new RecordingOrigin();

    /** What {@link ClientWriter} does around its socket writes, without the socket. */
    private static final class Writer {

        final OutboundQueue queue;
        private OutboundBatch done;
        OutboundBatch current;

        Writer(OutboundQueue queue) {
            this.queue = queue;
        }

        /** Takes what is queued; only when something is, as a take waits otherwise. */
        OutboundBatch take() {
            this.current = this.queue.take(this.done);
            this.done = null;
            return this.current;
        }

        /** The socket took the whole batch. */
        byte[] written() {
            byte[] bytes = OutboundBatchTest.stream(this.current);
            this.queue.written(this.current);
            this.current.reset();
            this.done = this.current;
            this.current = null;
            return bytes;
        }

        /** The socket took the first {@code streamBytes} of the batch, then the connection broke. */
        void failed(long streamBytes) {
            this.queue.failed(this.current, streamBytes);
            this.current = null;
        }

        /** Takes and writes the greeting, so that the queue holds nothing. */
        Writer greeted() {
            take();
            assertThat(written()).hasSize(Wire.GREETING_BYTES);
            return this;
        }
    }

    /** A wait on another thread: looked at every few milliseconds, as these threads answer at once. */
    static ConditionFactory patiently() {
        return await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
    }

    private OutboundQueue queue(long maxQueuedBytes) {
        return new OutboundQueue(ID, maxQueuedBytes, this.budget, () -> false);
    }

    private Admission offer(OutboundQueue queue, int size, long seq, long waitNanos) {
        return queue.offer(SRC, payload(size, (int) seq), 0, size, this.origin, seq, waitNanos);
    }

    private static byte[] payload(int size, int seed) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (seed + i);
        }
        return payload;
    }

    private static List<Long> seqs(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    /** An offer made on a thread of its own, which may wait for room. */
    private record Sender(Thread thread, CompletableFuture<Admission> answer) {

        static Sender start(java.util.function.Supplier<Admission> offer) {
            CompletableFuture<Admission> answer = new CompletableFuture<>();
            Thread thread = Thread.ofVirtual().start(() -> answer.complete(offer.get()));
            return new Sender(thread, answer);
        }

        /** Waits until the sender waits for room: parked, as nothing else holds the queue's lock. */
        Sender awaitWaiting() {
            patiently().until(() -> this.answer.isDone() || this.thread.getState() == Thread.State.WAITING
                    || this.thread.getState() == Thread.State.TIMED_WAITING);
            assertThat(this.answer).as("the sender waits for room").isNotDone();
            return this;
        }

        Admission awaitAnswer() {
            patiently().until(this.answer::isDone);
            return this.answer.join();
        }
    }

    // ---- room ----

    /** PROTOCOL.md section 4: room when the queue is empty, or queued bytes plus the length stay within the bound. */
    @Test
    void aMessageHasRoomWithinTheBoundOrInAnEmptyQueueWhateverItsSize() {
        OutboundQueue queue = queue(1000);
        Writer writer = new Writer(queue).greeted();
        assertThat(offer(queue, 5000, 1, 0)).as("larger than the bound, to an empty queue").isEqualTo(Admission.QUEUED);
        assertThat(offer(queue, 1, 2, 0)).isEqualTo(Admission.BUSY);
        writer.take();
        writer.written();
        assertThat(offer(queue, 600, 3, 0)).isEqualTo(Admission.QUEUED);
        assertThat(offer(queue, 400, 4, 0)).as("exactly at the bound").isEqualTo(Admission.QUEUED);
        assertThat(offer(queue, 1, 5, 0)).isEqualTo(Admission.BUSY);
        // An empty payload adds nothing to the queued bytes: it has room by the payload rule.
        assertThat(offer(queue, 0, 6, 0)).isEqualTo(Admission.QUEUED);
        assertThat(queue.queuedBytes()).isEqualTo(1000);
        writer.take();
        writer.written();
        this.origin.assertExactlyOneEach(ID, List.of(1L, 3L, 4L, 6L), DELIVERED);
    }

    /** Under {@code reject} (no wait) a full queue answers BUSY and takes nothing: no count, no memory, no outcome. */
    @Test
    void anOfferWithoutRoomTakesNothing() {
        OutboundQueue queue = queue(1000);
        Writer writer = new Writer(queue).greeted();
        assertThat(offer(queue, 1000, 1, 0)).isEqualTo(Admission.QUEUED);
        long used = this.budget.used();
        long held = queue.heldBytes();
        for (int size : new int[] { 1, 500, 5000 }) {
            assertThat(offer(queue, size, 2, 0)).isEqualTo(Admission.BUSY);
        }
        int big = 100_000;
        assertThat(this.budget.tryTake(big)).isTrue();
        Body body = new Body(payload(big, 1), 0, big, this.budget, big);
        assertThat(queue.offer(SRC, body, this.origin, 3, 0)).isEqualTo(Admission.BUSY);
        body.release();
        assertThat(queue.queuedBytes()).isEqualTo(1000);
        assertThat(queue.heldBytes()).isEqualTo(held);
        assertThat(this.budget.used()).as("the body's memory came back with its maker's hold").isEqualTo(used);
        writer.take();
        writer.written();
        this.origin.assertExactlyOneEach(ID, List.of(1L), DELIVERED);
    }

    @Test
    void aTimedWaitForRoomGivesUpAsBusyOnceItsTimeIsOut() {
        OutboundQueue queue = queue(1000);
        new Writer(queue).greeted();
        offer(queue, 1000, 1, 0);
        long waitNanos = Duration.ofMillis(30).toNanos();
        long start = System.nanoTime();
        assertThat(offer(queue, 1, 2, waitNanos)).isEqualTo(Admission.BUSY);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(waitNanos);
        assertThat(queue.queuedBytes()).isEqualTo(1000);
    }

    /**
     * Overhead has its own bound (a DELIVER header and 24 bytes of tracking per message), so a
     * flood of empty payloads, which the payload rule always admits, is bounded too.
     */
    @Test
    void emptyMessagesMeetTheOverheadBound() {
        int max = 4 * OutboundBatch.MESSAGE_OVERHEAD;
        OutboundQueue queue = queue(max);
        Writer writer = new Writer(queue).greeted();
        for (int seq = 1; seq <= 4; seq++) {
            assertThat(offer(queue, 0, seq, 0)).isEqualTo(Admission.QUEUED);
        }
        assertThat(queue.heldBytes()).isEqualTo(max);
        assertThat(offer(queue, 0, 5, 0)).isEqualTo(Admission.BUSY);
        Sender paused = Sender.start(() -> offer(queue, 0, 5, Long.MAX_VALUE)).awaitWaiting();
        writer.take();
        writer.written();
        assertThat(paused.awaitAnswer()).isEqualTo(Admission.QUEUED);
        writer.take();
        writer.written();
        this.origin.assertExactlyOneEach(ID, seqs(1, 5), DELIVERED);
        assertThat(this.origin.delivered()).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    // ---- waiting for room (pause) ----

    /**
     * A paused sender is woken as the writer's progress releases room, and is taken only once
     * there is room for its whole message; it is queued behind what was there, in order.
     */
    @Test
    void aPausedSenderIsTakenOnceTheWritersProgressMakesRoomForItsMessage() {
        OutboundQueue queue = queue(1000);
        Writer writer = new Writer(queue).greeted();
        offer(queue, 300, 1, 0);
        offer(queue, 300, 2, 0);
        offer(queue, 400, 3, 0);
        OutboundBatch batch = writer.take();
        Sender paused = Sender.start(() -> offer(queue, 500, 4, Long.MAX_VALUE)).awaitWaiting();

        int frame = Wire.DELIVER_HEADER_BYTES;
        // The first frame is written: 700 bytes queued, no room for 500 more; it must stay out.
        queue.advanced(batch, frame + 300);
        assertThat(this.origin.delivered()).containsExactly(1L);
        patiently().during(Duration.ofMillis(100))
                .until(() -> !paused.answer().isDone() && queue.queuedBytes() == 700);
        // The second too: 400 queued, and 500 more stay within 1000.
        queue.advanced(batch, 2L * frame + 600);
        assertThat(paused.awaitAnswer()).isEqualTo(Admission.QUEUED);
        assertThat(queue.queuedBytes()).isEqualTo(900);
        writer.written();
        writer.take();
        byte[] rest = writer.written();
        assertThat(rest).hasSize(frame + 500);
        assertThat(this.origin.delivered()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(queue.queuedBytes()).isZero();
    }

    /** A sender that waits for room when its destination begins to close, or is closed, ends GONE. */
    @Test
    void aPausedSenderEndsGoneWhenItsDestinationBeginsToCloseOrIsClosedOrExpires() {
        Map<String, Consumer<OutboundQueue>> ends = Map.of("drain(refuse)", queue -> queue.drain(true), "close",
                OutboundQueue::close, "expire", OutboundQueue::expire);
        ends.forEach((name, end) -> {
            OutboundQueue queue = queue(1000);
            new Writer(queue).greeted();
            offer(queue, 1000, 1, 0);
            Sender paused = Sender.start(() -> offer(queue, 10, 2, Long.MAX_VALUE)).awaitWaiting();
            Sender timed = Sender.start(() -> offer(queue, 10, 3, PATIENCE.toNanos())).awaitWaiting();
            end.accept(queue);
            assertThat(paused.awaitAnswer()).as(name).isEqualTo(Admission.GONE);
            assertThat(timed.awaitAnswer()).as(name).isEqualTo(Admission.GONE);
            // Not taken: the queue reports nothing for them, their caller does.
            assertThat(this.origin.all()).as(name).noneMatch(outcome -> outcome.seq() != 1);
            assertThat(offer(queue, 1, 4, 0)).as(name).isIn(Admission.GONE, Admission.CLOSED);
            queue.close();
        });
    }

    /** At shutdown a queue drains but keeps taking DELIVERs: a paused sender still gets in once there is room. */
    @Test
    void aShutdownDrainLetsAPausedSenderIn() {
        OutboundQueue queue = queue(1000);
        Writer writer = new Writer(queue).greeted();
        offer(queue, 1000, 1, 0);
        Sender paused = Sender.start(() -> offer(queue, 10, 2, Long.MAX_VALUE)).awaitWaiting();
        queue.drain(false);
        assertThat(paused.answer()).isNotDone();
        writer.take();
        writer.written();
        assertThat(paused.awaitAnswer()).isEqualTo(Admission.QUEUED);
        writer.take();
        writer.written();
        this.origin.assertExactlyOneEach(ID, seqs(1, 2), DELIVERED);
    }

    // ---- a run of frames (the router's burst to one destination) ----

    @Test
    void aRunTakesTheConsecutiveFramesForThisClientAndStopsAtAnotherOrAtTheFirstWithoutRoom() {
        byte[] frames = sends(ID, 10, ID, 20, ID, 0, 99, 5, ID, 7);
        OutboundQueue queue = queue(1000);
        Writer writer = new Writer(queue).greeted();
        long run = queue.offerRun(SRC, frames, 0, frames.length, this.origin, 11, 0);
        assertThat(OutboundQueue.Run.taken(run)).isEqualTo(3);
        assertThat(OutboundQueue.Run.answer(run)).isEqualTo(Admission.QUEUED);
        int other = 3 * Wire.SEND_HEADER_BYTES + 30;
        assertThat(OutboundQueue.Run.position(run)).as("the frame for 99").isEqualTo(other);
        // From the frame after the other destination's, numbered on.
        int next = other + Wire.SEND_HEADER_BYTES + 5;
        run = queue.offerRun(SRC, frames, next, frames.length, this.origin, 15, 0);
        assertThat(OutboundQueue.Run.taken(run)).isEqualTo(1);
        assertThat(OutboundQueue.Run.position(run)).isEqualTo(frames.length);
        writer.take();
        byte[] written = writer.written();
        assertThat(written).isEqualTo(OutboundBatchTest.hex("01 0000 0005 0000000a" + "00".repeat(10)
                + "01 0000 0005 00000014" + "01".repeat(20) + "01 0000 0005 00000000" + "01 0000 0005 00000007"
                + "04".repeat(7)));
        this.origin.assertExactlyOneEach(ID, List.of(11L, 12L, 13L, 15L), DELIVERED);

        // A run that meets a full queue stops at that frame and says why.
        OutboundQueue full = queue(70);
        new Writer(full).greeted();
        byte[] burst = sends(ID, 30, ID, 30, ID, 30, ID, 30);
        run = full.offerRun(SRC, burst, 0, burst.length, this.origin, 1, 0);
        assertThat(OutboundQueue.Run.taken(run)).isEqualTo(2);
        assertThat(OutboundQueue.Run.answer(run)).isEqualTo(Admission.BUSY);
        assertThat(OutboundQueue.Run.position(run)).isEqualTo(2 * (Wire.SEND_HEADER_BYTES + 30));
        full.close();
    }

    /** SEND frames to {@code dest, length} pairs, payload bytes all equal to the frame's index. */
    private static byte[] sends(int... destAndLength) {
        byte[][] frames = new byte[destAndLength.length / 2][];
        for (int i = 0; i < destAndLength.length; i += 2) {
            byte[] payload = new byte[destAndLength[i + 1]];
            java.util.Arrays.fill(payload, (byte) (i / 2));
            frames[i / 2] = TestClient.sendFrame(destAndLength[i], payload);
        }
        return TestClient.frames(frames);
    }

    // ---- exactly one outcome ----

    /** What {@link #filled} queues ahead of its messages: the greeting and one ERROR. */
    private static final long CONTROL_BYTES = Wire.GREETING_BYTES + Wire.ERROR_FRAME_BYTES;

    /** Where each message's DELIVER frame ends in the stream of a batch that {@link #filled} made. */
    private static long[] frameEnds(int[] payloads) {
        long[] ends = new long[payloads.length];
        long end = CONTROL_BYTES;
        for (int i = 0; i < payloads.length; i++) {
            end += Wire.DELIVER_HEADER_BYTES + payloads[i];
            ends[i] = end;
        }
        return ends;
    }

    /**
     * A batch written in part, at every offset the socket can stop at, then the connection
     * breaks: the messages whose whole frame the socket took are delivered (the client can still
     * read them), the others end as DESTINATION_GONE; each exactly once, and the queue counts
     * nothing and holds no memory afterwards.
     */
    @Test
    void aBrokenWriteAtEveryOffsetDeliversTheFramesTheSocketTookAndTheRestAreGone() {
        int[] payloads = { 3, 0, 200, 1, 0 };
        long[] ends = frameEnds(payloads);
        long total = ends[ends.length - 1];
        for (long offset = 0; offset <= total; offset++) {
            RecordingOrigin outcomes = new RecordingOrigin();
            OutboundQueue queue = filled(payloads, outcomes);
            OutboundBatch batch = queue.take(null);
            assertThat(batch.streamBytes()).isEqualTo(total);
            queue.failed(batch, offset);

            List<Long> delivered = new ArrayList<>();
            for (int i = 0; i < payloads.length && ends[i] <= offset; i++) {
                delivered.add((long) i + 1);
            }
            Map<Long, String> one = outcomes.assertExactlyOneEach(ID, seqs(1, payloads.length));
            assertThat(outcomes.delivered()).as("delivered when %d bytes were taken", offset).isEqualTo(delivered);
            assertThat(one.values().stream().filter(what -> !what.equals(DELIVERED)).toList())
                    .as("the others, when %d bytes were taken", offset).hasSize(payloads.length - delivered.size())
                    .allMatch(what -> what.equals(ErrorCode.DESTINATION_GONE.name()));
            assertThat(queue.queuedBytes()).isZero();
            assertThat(queue.heldBytes()).isZero();
            queue.close();
            assertThat(this.budget.used()).as("memory after a break at %d", offset).isZero();
        }
    }

    /** The same batch written in two parts, cut at every offset: each message delivered once, in order. */
    @Test
    void aWriteInTwoPartsAtEveryOffsetDeliversEachMessageOnceAndReleasesRoomAsItGoes() {
        int[] payloads = { 3, 0, 200, 1, 0 };
        long[] ends = frameEnds(payloads);
        long total = ends[ends.length - 1];
        for (long offset = 0; offset <= total; offset++) {
            RecordingOrigin outcomes = new RecordingOrigin();
            OutboundQueue queue = filled(payloads, outcomes);
            OutboundBatch batch = queue.take(null);
            queue.advanced(batch, offset);
            long left = 0;
            long overhead = (offset >= CONTROL_BYTES) ? 0 : CONTROL_BYTES;
            int complete = 0;
            for (int i = 0; i < payloads.length; i++) {
                if (ends[i] <= offset) {
                    complete++;
                }
                else {
                    left += payloads[i];
                    overhead += OutboundBatch.MESSAGE_OVERHEAD;
                }
            }
            assertThat(outcomes.delivered()).as("after %d bytes", offset).containsExactlyElementsOf(seqs(1, complete));
            assertThat(queue.queuedBytes()).as("queued after %d bytes", offset).isEqualTo(left);
            assertThat(queue.heldBytes()).as("held after %d bytes", offset).isEqualTo(left + overhead);
            queue.written(batch);
            outcomes.assertExactlyOneEach(ID, seqs(1, payloads.length), DELIVERED);
            assertThat(outcomes.delivered()).isEqualTo(seqs(1, payloads.length));
            assertThat(queue.heldBytes()).isZero();
            batch.trim();
            queue.close();
            assertThat(this.budget.used()).isZero();
        }
    }

    /** Greeting, one ERROR, then DELIVERs of {@code payloads} (the third as a body held by reference), seqs from 1. */
    private OutboundQueue filled(int[] payloads, RecordingOrigin outcomes) {
        OutboundQueue queue = queue(1 << 20);
        queue.offerError(ErrorCode.UNKNOWN_DESTINATION, 3, 100, true);
        for (int i = 0; i < payloads.length; i++) {
            if (i == 2) {
                assertThat(this.budget.tryTake(payloads[i])).isTrue();
                Body body = new Body(payload(payloads[i], i), 0, payloads[i], this.budget, payloads[i]);
                assertThat(queue.offer(SRC, body, outcomes, i + 1, 0)).isEqualTo(Admission.QUEUED);
                body.release();
            }
            else {
                assertThat(queue.offer(SRC, payload(payloads[i], i), 0, payloads[i], outcomes, i + 1, 0))
                        .isEqualTo(Admission.QUEUED);
            }
        }
        return queue;
    }

    /**
     * Closing (the client is gone) ends every message with exactly one outcome wherever it is:
     * those not handed to the writer, in any of the batches of a long queue, at once as
     * DESTINATION_GONE; those of the batch being written by the end of that write. Later offers
     * of any kind are refused, and all the memory comes back.
     */
    @Test
    void closingEndsEveryMessageWithExactlyOneOutcomeWhereverItWasAndRefusesWhatComesLater() {
        OutboundQueue queue = queue(64L << 20);
        Writer writer = new Writer(queue).greeted();
        int count = 2 * OutboundBatch.MAX_MESSAGES + 100;
        int bodySize = 70_000;
        for (int seq = 1; seq <= count; seq++) {
            if (seq % 1000 == 0) {
                assertThat(this.budget.tryTake(bodySize)).isTrue();
                Body body = new Body(payload(bodySize, seq), 0, bodySize, this.budget, bodySize);
                assertThat(queue.offer(SRC, body, this.origin, seq, 0)).isEqualTo(Admission.QUEUED);
                body.release();
            }
            else {
                assertThat(offer(queue, seq % 40, seq, 0)).isEqualTo(Admission.QUEUED);
            }
            if (seq % 500 == 0) {
                queue.offerError(ErrorCode.DESTINATION_GONE, 9, seq, false);
            }
        }
        // The oldest batch is being written: its first 100 messages have reached the socket.
        OutboundBatch writing = writer.take();
        assertThat(writing.messages).isEqualTo(OutboundBatch.MAX_MESSAGES);
        long firstHundred = writing.controlSize + writing.ends[99];
        queue.advanced(writing, firstHundred);
        assertThat(this.origin.delivered()).isEqualTo(seqs(1, 100));

        queue.close();
        List<Long> untaken = seqs(OutboundBatch.MAX_MESSAGES + 1, count);
        assertThat(this.origin.failed(ErrorCode.DESTINATION_GONE)).isEqualTo(untaken);
        assertThat(queue.isClosed()).isTrue();
        assertThat(offer(queue, 1, count + 1, 0)).isEqualTo(Admission.CLOSED);
        assertThat(offer(queue, 1, count + 1, Long.MAX_VALUE)).isEqualTo(Admission.CLOSED);
        Body late = new Body(new byte[1], 0, 1, this.budget, 0);
        assertThat(queue.offer(SRC, late, this.origin, count + 1, 0)).isEqualTo(Admission.CLOSED);
        byte[] frame = sends(ID, 1);
        assertThat(OutboundQueue.Run.answer(queue.offerRun(SRC, frame, 0, frame.length, this.origin, count + 1, 0)))
                .isEqualTo(Admission.CLOSED);
        assertThat(queue.offerError(ErrorCode.DESTINATION_BUSY, 9, 1, true)).isEqualTo(Admission.CLOSED);

        // The write goes on a little, then fails on the closed socket.
        writer.failed(writing.controlSize + writing.ends[199]);
        Map<Long, String> one = this.origin.assertExactlyOneEach(ID, seqs(1, count));
        assertThat(this.origin.delivered()).isEqualTo(seqs(1, 200));
        assertThat(one.values().stream().filter(what -> !what.equals(DELIVERED)))
                .containsOnly(ErrorCode.DESTINATION_GONE.name()).hasSize(count - 200);
        assertThat(queue.take(null)).as("the writer ends").isNull();
        assertThat(queue.queuedBytes()).isZero();
        assertThat(queue.heldBytes()).isZero();
        assertThat(this.budget.used()).isZero();
    }

    /** A message taken just before the close, and not yet handed to the writer, is gone too, once. */
    @Test
    void closingTwiceOrExpiringThenClosingEndsEachMessageOnce() {
        OutboundQueue queue = queue(1 << 20);
        new Writer(queue).greeted();
        for (int seq = 1; seq <= 10; seq++) {
            offer(queue, 10, seq, 0);
        }
        queue.expire();
        queue.close();
        queue.close();
        this.origin.assertExactlyOneEach(ID, seqs(1, 10), ErrorCode.DESTINATION_GONE.name());
        assertThat(this.budget.used()).isZero();
    }

    // ---- memory ----

    /**
     * Every byte the queue holds for its messages lives in arrays taken from the budget (beyond
     * each batch's small initial arrays), and the arrays hold at most twice what they carry;
     * taking a batch releases nothing, writing it releases its room, and the writer's cycle
     * gives the memory back.
     */
    @Test
    void everyByteHeldIsCountedAgainstTheBudgetAndComesBackThroughTheWritersCycle() {
        OutboundQueue queue = queue(1 << 20);
        Writer writer = new Writer(queue).greeted();
        // Free per batch: the initial arrays (256 bytes, 32 of control, 8 message entries).
        long free = OutboundBatch.INITIAL_CAPACITY + OutboundBatch.INITIAL_CONTROL + 8 * 24;
        for (int seq = 1; seq <= 2000; seq++) {
            offer(queue, (seq * 37) % 200, seq, 0);
            if (seq % 7 == 0) {
                queue.offerError(ErrorCode.UNKNOWN_DESTINATION, 3, seq, seq % 14 == 0);
            }
            long held = queue.heldBytes();
            assertThat(this.budget.used()).as("after %d messages", seq).isGreaterThanOrEqualTo(held - free)
                    .isLessThanOrEqualTo(2 * held);
        }
        long used = this.budget.used();
        long queued = queue.queuedBytes();
        OutboundBatch batch = writer.take();
        assertThat(batch.messages).as("one batch holds them all").isEqualTo(2000);
        assertThat(queue.queuedBytes()).as("taking releases nothing").isEqualTo(queued);
        assertThat(this.budget.used()).isEqualTo(used);
        writer.written();
        assertThat(queue.queuedBytes()).isZero();
        assertThat(queue.heldBytes()).isZero();
        assertThat(this.budget.used()).as("arrays past the working size go when the batch is emptied").isLessThan(used);
        // The writer comes back for more: its batch is kept as the spare, and given back on close.
        offer(queue, 10, 2001, 0);
        writer.take();
        writer.written();
        queue.close();
        assertThat(writer.take()).as("the writer ends, handing its last batch back").isNull();
        assertThat(this.budget.used()).isZero();
        this.origin.assertExactlyOneEach(ID, seqs(1, 2001), DELIVERED);
    }

    /** A body is held by reference, once however many queues hold it; an offer that is refused takes no hold. */
    @Test
    void aBodyIsWrittenFromItsOwnArrayAndOnlyAQueueThatTookItHoldsIt() {
        int size = 200_000;
        byte[] bytes = payload(size, 3);
        assertThat(this.budget.tryTake(size)).isTrue();
        Body body = new Body(bytes, 0, size, this.budget, size);

        OutboundQueue taking = queue(1 << 20);
        Writer writer = new Writer(taking).greeted();
        OutboundQueue full = queue(10);
        new Writer(full).greeted();
        offer(full, 10, 1, 0);
        OutboundQueue closing = queue(1 << 20);
        closing.drain(true);
        OutboundQueue closed = queue(1 << 20);
        closed.close();
        MemoryBudget none = new MemoryBudget(1);
        OutboundQueue noMemory = new OutboundQueue(ID, 1 << 20, none, () -> false);

        assertThat(taking.offer(SRC, body, this.origin, 2, 0)).isEqualTo(Admission.QUEUED);
        assertThat(full.offer(SRC, body, this.origin, 3, 0)).isEqualTo(Admission.BUSY);
        assertThat(closing.offer(SRC, body, this.origin, 4, 0)).isEqualTo(Admission.GONE);
        assertThat(closed.offer(SRC, body, this.origin, 5, 0)).isEqualTo(Admission.CLOSED);
        assertThat(noMemory.offer(SRC, body, this.origin, 6, 0)).isEqualTo(Admission.NO_MEMORY);
        body.release();
        assertThat(this.budget.used()).as("held by the queue that took it").isGreaterThanOrEqualTo(size);

        OutboundBatch batch = writer.take();
        java.nio.ByteBuffer[] views = batch.views();
        assertThat(java.util.Arrays.asList(views).subList(0, batch.viewCount))
                .anySatisfy(view -> assertThat(view.array()).isSameAs(bytes));
        writer.written();
        List.of(taking, full, closing, closed, noMemory).forEach(OutboundQueue::close);
        assertThat(this.origin.assertExactlyOneEach(ID, List.of(1L, 2L)))
                .containsOnly(Map.entry(1L, ErrorCode.DESTINATION_GONE.name()), Map.entry(2L, DELIVERED));
        writer.take();
        assertThat(this.budget.used()).isZero();
        assertThat(none.used()).isZero();
    }
}
