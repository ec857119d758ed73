package io.switchboard.relay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.switchboard.protocol.ErrorCode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link MessageOrigin} that records every outcome reported to it, so that a test can check
 * the interface's contract (exactly one of the two calls, once, for every message) rather than
 * counts. Outcomes are kept per seq and in the order they came; thread-safe, as queues report
 * from whichever thread ends a message.
 */
final class RecordingOrigin implements MessageOrigin {

    /** One outcome: {@code DELIVERED} or an ERROR code's name, and the destination it names. */
    record Outcome(long seq, String what, int dest) {

        @Override
        public String toString() {
            return this.what + " " + this.seq + " (dest " + Integer.toUnsignedLong(this.dest) + ")";
        }
    }

    static final String DELIVERED = "DELIVERED";

    private final List<Outcome> seen = new ArrayList<>();

    @Override
    public synchronized void delivered(int dest, long seq) {
        this.seen.add(new Outcome(seq, DELIVERED, dest));
    }

    @Override
    public synchronized void failed(ErrorCode code, int dest, long seq) {
        this.seen.add(new Outcome(seq, code.name(), dest));
    }

    /** Every outcome so far, in the order they came. */
    synchronized List<Outcome> all() {
        return List.copyOf(this.seen);
    }

    synchronized int count() {
        return this.seen.size();
    }

    /** The seqs delivered, in the order their deliveries were reported. */
    synchronized List<Long> delivered() {
        return this.seen.stream().filter(outcome -> outcome.what().equals(DELIVERED)).map(Outcome::seq).toList();
    }

    /** The seqs that ended with {@code code}, in the order reported. */
    synchronized List<Long> failed(ErrorCode code) {
        return this.seen.stream().filter(outcome -> outcome.what().equals(code.name())).map(Outcome::seq).toList();
    }

    /**
     * Checks that each of {@code seqs} has exactly one outcome, that no other seq has any, and
     * that every outcome names {@code dest}; returns each seq's outcome, in seq order.
     */
    synchronized Map<Long, String> assertExactlyOneEach(int dest, List<Long> seqs) {
        Map<Long, List<String>> bySeq = new LinkedHashMap<>();
        seqs.forEach(seq -> bySeq.put(seq, new ArrayList<>()));
        for (Outcome outcome : this.seen) {
            assertThat(bySeq).as("an outcome for a message never offered: %s", outcome).containsKey(outcome.seq());
            assertThat(outcome.dest()).as("the destination %s names", outcome).isEqualTo(dest);
            bySeq.get(outcome.seq()).add(outcome.what());
        }
        Map<Long, String> one = new LinkedHashMap<>();
        bySeq.forEach((seq, outcomes) -> {
            assertThat(outcomes).as("the outcomes of seq %d", seq).hasSize(1);
            one.put(seq, outcomes.get(0));
        });
        return one;
    }

    /** As {@link #assertExactlyOneEach(int, List)}, each outcome being {@code what}. */
    void assertExactlyOneEach(int dest, List<Long> seqs, String what) {
        assertThat(assertExactlyOneEach(dest, seqs).values()).as("the outcomes").containsOnly(what);
    }
}
