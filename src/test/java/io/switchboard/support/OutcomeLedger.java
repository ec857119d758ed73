package io.switchboard.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.switchboard.client.Message;
import io.switchboard.client.SendError;


/**
 * Accounts for the outcome of every SEND (PROTOCOL.md section 4, guarantee 1): each one
 * registered with {@link #sent} must end in exactly one DELIVER of its {@link TaggedPayload}
 * at its destination, or exactly one ERROR to its sender naming its seq and destination.
 * Thread-safe: destinations and senders report from their own reader threads.
 */
public final class OutcomeLedger {

    /** One SEND: its sender and its seq on the sender's connection. */
    public record Key(int sender, long seq) {
    }

    private final Map<Key, Integer> destinations = new ConcurrentHashMap<>();
    private final Map<Key, List<String>> outcomes = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();

    /** Registers a SEND before it is written, so that its outcome always finds it. */
    public void sent(int sender, long seq, int dest) {
        this.destinations.put(new Key(sender, seq), dest);
    }

    /** A DELIVER read by client {@code receiver}. */
    public void delivered(int receiver, Message deliver) {
        byte[] payload = deliver.payload();
        if (!TaggedPayload.isIntact(payload)) {
            this.violations.add("client " + receiver + " read a damaged payload " + deliver);
            return;
        }
        Key key = new Key(TaggedPayload.sender(payload), TaggedPayload.seq(payload));
        if (deliver.src() != Integer.toUnsignedLong(key.sender())) {
            this.violations.add("DELIVER src " + deliver.src() + " for a message of " + key);
        }
        Integer dest = this.destinations.get(key);
        if (dest != null && dest != receiver) {
            this.violations.add(key + " for " + Integer.toUnsignedLong(dest) + " was delivered to " + receiver);
        }
        record(key, "DELIVER at " + Integer.toUnsignedLong(receiver));
    }

    /** An ERROR read by client {@code sender}. */
    public void failed(int sender, SendError error) {
        Key key = new Key(sender, error.seq());
        Integer dest = this.destinations.get(key);
        if (dest != null && Integer.toUnsignedLong(dest) != error.dest()) {
            this.violations.add(error + " names another destination than " + key + "'s "
                    + Integer.toUnsignedLong(dest));
        }
        record(key, error.code().name());
    }

    private void record(Key key, String outcome) {
        this.outcomes.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(outcome);
    }

    /** Whether every SEND registered has an outcome. */
    public boolean isComplete() {
        return missing() == 0;
    }

    public int missing() {
        int missing = 0;
        for (Key key : this.destinations.keySet()) {
            if (!this.outcomes.containsKey(key)) {
                missing++;
            }
        }
        return missing;
    }

    public int size() {
        return this.destinations.size();
    }

    /** Every SEND with more than one outcome, none, or an outcome for a SEND never made. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>(this.violations);
        for (Key key : this.destinations.keySet()) {
            List<String> seen = this.outcomes.get(key);
            if (seen == null) {
                problems.add(key + " has no outcome");
            }
            else if (seen.size() != 1) {
                problems.add(key + " has " + seen.size() + " outcomes: " + seen);
            }
        }
        for (Key key : this.outcomes.keySet()) {
            if (!this.destinations.containsKey(key)) {
                problems.add(key + " was never sent but has outcomes " + this.outcomes.get(key));
            }
        }
        return problems;
    }

    /**
     * As {@link #problems()}, for SENDs written while the server may have stopped reading (a
     * shutdown): a SEND the server never read has no outcome, and the protocol promises none. As
     * the server reads a connection in order, those must be the last SENDs of their sender: each
     * sender's SENDs without an outcome must all come after every SEND of it that has one.
     */
    public List<String> problemsAllowingUnreadEnds() {
        List<String> problems = new ArrayList<>(this.violations);
        Map<Integer, Long> lastWithOutcome = new TreeMap<>();
        for (Key key : this.outcomes.keySet()) {
            lastWithOutcome.merge(key.sender(), key.seq(), Math::max);
        }
        for (Key key : this.destinations.keySet()) {
            List<String> seen = this.outcomes.get(key);
            if (seen == null) {
                if (key.seq() < lastWithOutcome.getOrDefault(key.sender(), 0L)) {
                    problems.add(key + " has no outcome, though later SENDs of its sender have");
                }
            }
            else if (seen.size() != 1) {
                problems.add(key + " has " + seen.size() + " outcomes: " + seen);
            }
        }
        for (Key key : this.outcomes.keySet()) {
            if (!this.destinations.containsKey(key)) {
                problems.add(key + " was never sent but has outcomes " + this.outcomes.get(key));
            }
        }
        return problems;
    }

    /** How many SENDs ended each way, such as {@code UNKNOWN_DESTINATION} or {@code DELIVER}. */
    public Map<String, Integer> tally() {
        Map<String, Integer> tally = new TreeMap<>();
        for (List<String> seen : this.outcomes.values()) {
            for (String outcome : seen) {
                tally.merge(outcome.startsWith("DELIVER") ? "DELIVER" : outcome, 1, Integer::sum);
            }
        }
        return tally;
    }

    /** The outcomes of one sender's SENDs to {@code dest}, by seq. */
    public Map<Long, List<String>> outcomesTo(int sender, int dest) {
        Map<Long, List<String>> result = new TreeMap<>();
        this.destinations.forEach((key, d) -> {
            if (key.sender() == sender && d == dest) {
                result.put(key.seq(), this.outcomes.getOrDefault(key, List.of()));
            }
        });
        return result;
    }
}
