package io.switchboard.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.relay.MessageOrigin;

/**
 * The link to one other node: everything this node writes to that node's inbox stream, and
 * everything it waits for from that node.
 *
 * <ul>
 * <li><b>Appends.</b> Records go into the entry being filled, under {@link #lock}; the link's one
 * appender thread takes what has gathered and appends it as one stream entry with no lock held,
 * so records keep the order in which they were added (per-pair order) and a busy pair of nodes
 * gets few large entries rather than many small ones.
 * <li><b>Pending tickets.</b> The messages sent to that node wait in {@link #pending} until their
 * outcomes, a run of one sender's at a time ({@link Sent}: a message on its own is a run of
 * one), by first ticket. Whoever marks a message of a run done reports its outcome, so each
 * message's outcome reaches its origin exactly once, whether it comes from that node (for one
 * message, or for consecutive tickets at once), the sweep, a failed append or the link's
 * retirement; outcomes of one run may come in any order.
 * <li><b>Watermark.</b> The highest ticket that node has reported taken (read from its inbox):
 * that node owes those an outcome, so the sweep does not give them up.
 * <li><b>Questions.</b> Requests to that node and their replies, by request number.
 * <li><b>Origin.</b> The link is the {@link MessageOrigin} of the messages that node sent here:
 * a local queue reports their outcomes with the message's ticket as {@code seq}, and they go
 * back to that node through the link.
 * </ul>
 *
 * <p>Threads: client readers call {@link #send} (after taking room in their {@link SenderWindows});
 * client writers and backlog threads report outcomes of that node's messages; the inbox reader
 * calls {@link #outcome}, {@link #replied} and {@link #reportTaken}; admin threads and ID
 * allocation {@link #ask}; the heartbeat {@link #sweep}s and {@link #retire}s. {@link #lock}
 * guards {@link #filling} and {@link #retired}; {@link #pending} and
 * {@link #questions} are concurrent maps; a {@link Sent}'s monitor guards which of its messages
 * are done, and is held while their origin is told (origins do not block, and take no lock
 * that is held while a run's is taken); no lock is held while an entry is appended.
 */
final class NodeLink implements MessageOrigin {

    private static final Log logger = LogFactory.getLog(NodeLink.class);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

    /** Appends entries to nodes' inbox streams (Redis, in the application). */
    @FunctionalInterface
    interface Stream {

        /**
         * @return false when {@code node} has no inbox (it has left, or Redis lost it)
         * @throws RuntimeException when the entry could not be appended
         */
        boolean append(String node, byte[] entry);
    }

    /**
     * A run of messages from one origin to one destination of that node, with consecutive tickets
     * and seqs, waiting for their outcomes. The window's room goes back when the last one has its
     * outcome.
     */
    private static final class Sent {

        final MessageOrigin origin;
        final int dest;
        final long firstSeq;
        final long firstTicket;
        final int count;
        final SenderWindows.Window window;
        final long cost;
        final long deadlineNanos;
        /** Guarded by this object's monitor: the messages that have their outcome. */
        private final long[] done;
        /** How many do not: written under the monitor, read by {@link #pendingCount} without it. */
        private volatile int left;

        Sent(MessageOrigin origin, int dest, long firstSeq, long firstTicket, int count, SenderWindows.Window window,
                long cost, long deadlineNanos) {
            this.origin = origin;
            this.dest = dest;
            this.firstSeq = firstSeq;
            this.firstTicket = firstTicket;
            this.count = count;
            this.window = window;
            this.cost = cost;
            this.deadlineNanos = deadlineNanos;
            this.done = new long[(count + 63) >>> 6];
            this.left = count;
        }

        long endTicket() {
            return this.firstTicket + this.count;
        }
    }

    private final String node;
    private final Stream stream;
    private final SenderWindows windows;
    private final Holders holders;
    /** The node's source of tickets and request numbers: never reused, even by a later link to the same node. */
    private final AtomicLong numbers;
    private final long ackTimeoutNanos;
    private final long retryNanos;
    private final long createdNanos = System.nanoTime();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the entry being filled gets its first record, and on retirement. */
    private final Condition work = this.lock.newCondition();
    private ClusterCodec.Builder filling;
    private boolean retired;

    /** By first ticket: an outcome's ticket finds its run as the floor entry. */
    private final ConcurrentSkipListMap<Long, Sent> pending = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<Long, CompletableFuture<byte @Nullable []>> questions = new ConcurrentHashMap<>();
    /** Written by the inbox reader only. */
    private volatile long takenUpTo;
    private @Nullable Thread appender;

    /**
     * @param retryFor how long outcomes, replies and disconnects that could not be appended are
     *        tried again; messages and requests never are: their senders learn at once
     */
    NodeLink(String node, String self, Stream stream, SenderWindows windows, Holders holders, AtomicLong numbers,
            Duration ackTimeout, Duration retryFor) {
        this.node = node;
        this.stream = stream;
        this.windows = windows;
        this.holders = holders;
        this.numbers = numbers;
        this.ackTimeoutNanos = ackTimeout.toNanos();
        this.retryNanos = retryFor.toNanos();
        this.filling = new ClusterCodec.Builder(self);
    }

    /** Starts the appender; called once, by the owner of the link, before it is used. */
    NodeLink start() {
        this.appender = Thread.ofVirtual().name("cluster-link-" + this.node).start(this::appendLoop);
        return this;
    }

    String node() {
        return this.node;
    }

    long createdNanos() {
        return this.createdNanos;
    }

    /**
     * Sends a message to {@code dest}, a client of that node. The caller has taken {@code cost}
     * from {@code window}; the link gives it back with the outcome.
     * @return false when the link is retired: nothing was sent, the cost is still the caller's
     */
    boolean send(int src, int dest, byte[] payload, int offset, int length, MessageOrigin origin, long seq,
            SenderWindows.Window window, long cost) {
        this.lock.lock();
        try {
            if (this.retired) {
                return false;
            }
            long ticket = this.numbers.incrementAndGet();
            boolean first = this.filling.isEmpty();
            sent(new Sent(origin, dest, seq, ticket, 1, window, cost, System.nanoTime() + this.ackTimeoutNanos));
            this.filling.message(ticket, src, dest, payload, offset, length);
            added(first);
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Sends {@code count} messages from {@code src} to {@code dest}, a client of that node: the
     * SEND frames {@code frames[from, end)}, all to {@code dest}, numbered from {@code firstSeq}.
     * The caller has taken {@code cost} from {@code window} for all of them; the link gives it
     * back when the last has its outcome.
     * @return false when the link is retired: nothing was sent, the cost is still the caller's
     */
    boolean sendRun(int src, int dest, int count, byte[] frames, int from, int end, MessageOrigin origin,
            long firstSeq, SenderWindows.Window window, long cost) {
        this.lock.lock();
        try {
            if (this.retired) {
                return false;
            }
            long firstTicket = this.numbers.getAndAdd(count) + 1;
            boolean first = this.filling.isEmpty();
            sent(new Sent(origin, dest, firstSeq, firstTicket, count, window, cost,
                    System.nanoTime() + this.ackTimeoutNanos));
            this.filling.run(firstTicket, src, count, frames, from, end);
            added(first);
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Called holding the lock: registered before its record exists, as its outcome may come back as soon as it is appended. */
    private void sent(Sent run) {
        this.pending.put(run.firstTicket, run);
    }

    /** An OUTCOME record from that node: a message's outcome, or the watermark of those it has taken. */
    void outcome(long ticket, int status) {
        if (status == ClusterCodec.STATUS_TAKEN) {
            if (ticket > this.takenUpTo) {
                this.takenUpTo = ticket;
            }
            return;
        }
        complete(ticket, 1, status);
    }

    /** A WRITTEN record from that node: the messages of {@code count} tickets from {@code firstTicket} were written. */
    void written(long firstTicket, int count) {
        complete(firstTicket, count, ClusterCodec.STATUS_WRITTEN);
    }

    /** Gives the messages of tickets {@code [firstTicket, firstTicket + count)} still pending their outcome, {@code status}. */
    private void complete(long firstTicket, int count, int status) {
        long end = firstTicket + count;
        long ticket = firstTicket;
        while (ticket < end) {
            Map.Entry<Long, Sent> at = this.pending.floorEntry(ticket);
            Sent run = (at != null) ? at.getValue() : null;
            if (run == null || ticket >= run.endTicket()) {
                // Done already (its run has left the map), or never sent: on to the next run, if any.
                Long next = this.pending.higherKey(ticket);
                if (next == null || next >= end) {
                    return;
                }
                ticket = next;
                continue;
            }
            long stop = Math.min(end, run.endTicket());
            finish(run, (int) (ticket - run.firstTicket), (int) (stop - run.firstTicket), status);
            ticket = stop;
        }
    }

    /** Gives the messages {@code [from, to)} of {@code run} that have none yet their outcome, {@code status}. */
    private void finish(Sent run, int from, int to, int status) {
        boolean last;
        synchronized (run) {
            if (run.left == 0) {
                return;
            }
            ErrorCode code = (status == ClusterCodec.STATUS_WRITTEN) ? null : ClusterCodec.failure(status);
            int i = from;
            int finished = 0;
            while (i < to) {
                if ((run.done[i >>> 6] & (1L << i)) != 0) {
                    i++;
                    continue;
                }
                // Messages without an outcome from i on, reported as one range.
                int j = i;
                while (j < to && (run.done[j >>> 6] & (1L << j)) == 0) {
                    run.done[j >>> 6] |= 1L << j;
                    j++;
                }
                finished += j - i;
                if (code == null) {
                    run.origin.delivered(run.dest, run.firstSeq + i, j - i);
                }
                else {
                    for (int k = i; k < j; k++) {
                        run.origin.failed(code, run.dest, run.firstSeq + k);
                    }
                }
                i = j;
            }
            if (finished == 0) {
                return;
            }
            run.left -= finished;
            last = run.left == 0;
            if (code == ErrorCode.UNKNOWN_DESTINATION || code == ErrorCode.DESTINATION_GONE) {
                // That node has no such client (any more): look the ID up again next time.
                this.holders.forget(run.dest, this.node);
            }
        }
        if (last) {
            this.pending.remove(run.firstTicket, run);
            this.windows.release(run.window, run.cost);
        }
    }

    /**
     * Ends as DESTINATION_GONE the messages that node has not taken within {@code ack-timeout},
     * or every message when {@code givingUp} (Redis has been unreachable for that long).
     */
    void sweep(long nowNanos, boolean givingUp) {
        for (Sent run : this.pending.values()) {
            if (givingUp || (nowNanos - run.deadlineNanos > 0 && run.firstTicket > this.takenUpTo)) {
                finish(run, 0, run.count, ErrorCode.DESTINATION_GONE.code());
            }
        }
    }

    /** Ends every message waiting for an outcome as DESTINATION_GONE: that node will not report on them. */
    void failPending() {
        for (Sent run : this.pending.values()) {
            finish(run, 0, run.count, ErrorCode.DESTINATION_GONE.code());
        }
    }

    /** Messages sent to that node without an outcome yet: summed when asked (health, a gauge), not counted per message. */
    int pendingCount() {
        int count = 0;
        for (Sent run : this.pending.values()) {
            count += run.left;
        }
        return count;
    }

    /**
     * Asks that node a question ({@link ClusterCodec}'s request kinds). The answer completes the
     * future, null when the link is retired or the request could not be appended; a caller that
     * stops waiting completes it with null itself, which forgets the question.
     */
    CompletableFuture<byte @Nullable []> ask(byte kind, byte[] body) {
        CompletableFuture<byte @Nullable []> answer = new CompletableFuture<>();
        this.lock.lock();
        try {
            if (this.retired) {
                answer.complete(null);
                return answer;
            }
            long request = this.numbers.incrementAndGet();
            this.questions.put(request, answer);
            answer.whenComplete((reply, failure) -> this.questions.remove(request, answer));
            boolean first = this.filling.isEmpty();
            this.filling.request(request, kind, body);
            added(first);
        }
        finally {
            this.lock.unlock();
        }
        return answer;
    }

    /** A REPLY record from that node. */
    void replied(long request, byte[] body) {
        CompletableFuture<byte @Nullable []> answer = this.questions.remove(request);
        if (answer != null) {
            answer.complete(body);
        }
    }

    /** Answers a question of that node. */
    void reply(long request, byte[] body) {
        append((builder) -> builder.reply(request, body));
    }

    /**
     * Tells that node to disconnect its client {@code id}.
     * @return false when the link is retired
     */
    boolean disconnect(int id) {
        return append((builder) -> builder.disconnect(id));
    }

    /** Tells that node that every message it sent up to {@code lastTicket} has been taken here. */
    void reportTaken(long lastTicket) {
        append((builder) -> builder.outcome(lastTicket, ClusterCodec.STATUS_TAKEN));
    }

    /** A message of that node's was written to its destination here. */
    @Override
    public void delivered(int dest, long ticket) {
        append((builder) -> builder.outcome(ticket, ClusterCodec.STATUS_WRITTEN));
    }

    /** Messages of that node's with consecutive tickets were written to their destination here: one record. */
    @Override
    public void delivered(int dest, long firstTicket, int count) {
        append((builder) -> builder.written(firstTicket, count));
    }

    /** A message of that node's failed here. */
    @Override
    public void failed(ErrorCode code, int dest, long ticket) {
        append((builder) -> builder.outcome(ticket, ClusterCodec.status(code)));
    }

    private boolean append(java.util.function.Consumer<ClusterCodec.Builder> record) {
        this.lock.lock();
        try {
            if (this.retired) {
                return false;
            }
            boolean first = this.filling.isEmpty();
            record.accept(this.filling);
            added(first);
            return true;
        }
        finally {
            this.lock.unlock();
        }
    }

    /**
     * Called holding the lock, after a record was added: the appender waits only for an entry's
     * first record, so only that one wakes it.
     */
    private void added(boolean first) {
        if (first) {
            this.work.signal();
        }
    }

    /**
     * That node has left, or this one is stopping: nothing more is sent, every message waiting
     * for an outcome ends as DESTINATION_GONE and every question is left unanswered (null).
     * Waits briefly for the appender to end.
     */
    void retire() {
        Thread thread;
        this.lock.lock();
        try {
            if (this.retired) {
                return;
            }
            this.retired = true;
            this.filling.clear();
            this.work.signal();
            thread = this.appender;
        }
        finally {
            this.lock.unlock();
        }
        failPending();
        for (CompletableFuture<byte @Nullable []> answer : this.questions.values()) {
            answer.complete(null);
        }
        if (thread != null) {
            try {
                // Not interrupted: an append under way ends by itself within Redis's command timeout.
                thread.join(RETRY_PAUSE.toMillis());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The appender: the only thread that appends to that node's stream. */
    private void appendLoop() {
        long failingSince = 0;
        while (true) {
            byte[] entry;
            this.lock.lock();
            try {
                while (this.filling.isEmpty() && !this.retired) {
                    this.work.awaitUninterruptibly();
                }
                if (this.retired) {
                    return;
                }
                entry = this.filling.take();
            }
            finally {
                this.lock.unlock();
            }
            if (tryAppend(entry)) {
                failingSince = 0;
                continue;
            }
            long now = System.nanoTime();
            failingSince = (failingSince == 0) ? now : failingSince;
            notAppended(entry, now - failingSince < this.retryNanos);
            pauseBeforeRetry();
        }
    }

    private boolean tryAppend(byte[] entry) {
        try {
            if (this.stream.append(this.node, entry)) {
                return true;
            }
            logger.debug("Node " + this.node + " has no inbox: it has left, or Redis lost it");
        }
        catch (RuntimeException ex) {
            logger.debug("Could not write to node " + this.node + ": " + ex);
        }
        return false;
    }

    /**
     * What becomes of an entry that could not be appended. Its messages end as DESTINATION_GONE
     * and its questions go unanswered, at once: their senders wait for them. While
     * {@code retrying}, what that node is owed (outcomes of messages it sent, which its senders
     * wait for; replies; disconnects the operator asked for) is added again, to go with the next
     * entry; after that it is dropped, and that node's own sweep ends what waited for it.
     */
    private void notAppended(byte[] entry, boolean retrying) {
        ClusterCodec.read(entry, Long.MAX_VALUE, new ClusterCodec.Handler() {

            /** The entry's first ticket: its messages are this link's pending tickets from it to its last. */
            private long first = -1;

            @Override
            public void message(String from, long ticket, int src, int dest, byte[] b, int offset, int length) {
                firstTicket(ticket);
            }

            @Override
            public void run(String from, long firstTicket, int src, byte[] b, int start, int end) {
                firstTicket(firstTicket);
            }

            private void firstTicket(long ticket) {
                if (this.first < 0) {
                    this.first = ticket;
                }
            }

            @Override
            public void messagesRead(String from, long lastTicket) {
                // Tickets are drawn under the lock as records join the entry, which is taken whole.
                complete(this.first, (int) Math.min(Integer.MAX_VALUE, lastTicket - this.first + 1),
                        ErrorCode.DESTINATION_GONE.code());
            }

            @Override
            public void outcome(String from, long ticket, int status) {
                if (retrying) {
                    append((builder) -> builder.outcome(ticket, status));
                }
            }

            @Override
            public void written(String from, long firstTicket, int count) {
                if (retrying) {
                    append((builder) -> builder.written(firstTicket, count));
                }
            }

            @Override
            public void disconnect(String from, int id) {
                if (retrying) {
                    NodeLink.this.disconnect(id);
                }
            }

            @Override
            public void reply(String from, long request, byte[] body) {
                if (retrying) {
                    NodeLink.this.reply(request, body);
                }
            }

            @Override
            public void request(String from, long request, byte kind, byte[] body) {
                CompletableFuture<byte @Nullable []> answer = NodeLink.this.questions.remove(request);
                if (answer != null) {
                    answer.complete(null);
                }
            }
        });
        if (!retrying) {
            logger.debug("Gave up writing to node " + this.node + " after " + Duration.ofNanos(this.retryNanos));
        }
    }

    private void pauseBeforeRetry() {
        this.lock.lock();
        try {
            if (!this.retired) {
                this.work.await(RETRY_PAUSE.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            this.lock.unlock();
        }
    }
}
