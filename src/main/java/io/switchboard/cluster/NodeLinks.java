package io.switchboard.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * This node's {@link NodeLink}s, one per other node, and which other nodes were alive at the
 * last heartbeat. A link is made on first use (a message for a client of that node, or one
 * from it, may come before a heartbeat has seen the node) and retired by {@link NodeMembership}
 * when the node leaves; a later use makes a new link. Any thread; the map is concurrent, and
 * retiring removes the link before it fails what it had pending, so no message goes to a
 * retired link unnoticed ({@link NodeLink#send} answers false).
 */
final class NodeLinks implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(NodeLinks.class);

    private final String self;
    private final NodeLink.Stream stream;
    private final SenderWindows windows;
    private final Holders holders;
    private final Duration ackTimeout;
    private final AtomicLong numbers = new AtomicLong();
    private final ConcurrentHashMap<String, NodeLink> links = new ConcurrentHashMap<>();
    private volatile Set<String> live = Set.of();

    NodeLinks(String self, NodeLink.Stream stream, SenderWindows windows, Holders holders, Duration ackTimeout) {
        this.self = self;
        this.stream = stream;
        this.windows = windows;
        this.holders = holders;
        this.ackTimeout = ackTimeout;
    }

    /** The link to {@code node}, made now if there is none. */
    NodeLink link(String node) {
        NodeLink link = this.links.get(node);
        if (link != null) {
            return link;
        }
        return this.links.computeIfAbsent(node, (name) -> new NodeLink(name, this.self, this.stream, this.windows,
                this.holders, this.numbers, this.ackTimeout, this.ackTimeout.multipliedBy(3)).start());
    }

    /** The link to {@code node} if there is one: what comes from a node that has left is not answered. */
    @Nullable NodeLink existing(String node) {
        return this.links.get(node);
    }

    /** The other nodes alive at the last heartbeat. */
    Set<String> live() {
        return this.live;
    }

    /** Set by the heartbeat. */
    void live(Set<String> nodes) {
        this.live = Set.copyOf(nodes);
    }

    /** The nodes this one has had a link to since before {@code sinceNanos}. */
    Set<String> linkedBefore(long sinceNanos) {
        Set<String> nodes = new HashSet<>();
        for (NodeLink link : this.links.values()) {
            if (sinceNanos - link.createdNanos() > 0) {
                nodes.add(link.node());
            }
        }
        return nodes;
    }

    /** {@code node} has left the cluster: what it had not reported on is gone. */
    void retire(String node) {
        logger.info("Node " + node + " has left the cluster");
        this.holders.forgetNode(node);
        NodeLink link = this.links.remove(node);
        if (link != null) {
            link.retire();
        }
    }

    /** See {@link NodeLink#sweep}; {@code downSinceNanos} is when Redis became unreachable, 0 while it is reachable. */
    void sweep(long downSinceNanos) {
        long now = System.nanoTime();
        boolean givingUp = downSinceNanos != 0 && now - downSinceNanos > this.ackTimeout.toNanos();
        for (NodeLink link : this.links.values()) {
            link.sweep(now, givingUp);
        }
    }

    /** This node was taken for dead by the others: they dropped what they owed it. */
    void failPending() {
        for (NodeLink link : this.links.values()) {
            link.failPending();
        }
    }

    /** Messages sent to other nodes whose outcome is not known yet. */
    int pendingCount() {
        int count = 0;
        for (NodeLink link : this.links.values()) {
            count += link.pendingCount();
        }
        return count;
    }

    /**
     * Asks every node alive at the last heartbeat at once, and waits at most {@code ack-timeout}
     * for all the answers.
     * @return each node's answer, null for one that did not answer in time or has left
     */
    Map<String, byte @Nullable []> askAll(byte kind, byte[] body) {
        return ask(this.live, kind, body);
    }

    /** As {@link #askAll}, one node. */
    byte @Nullable [] ask(String node, byte kind, byte[] body) {
        return ask(Set.of(node), kind, body).get(node);
    }

    private Map<String, byte @Nullable []> ask(Collection<String> nodes, byte kind, byte[] body) {
        Map<String, CompletableFuture<byte @Nullable []>> asked = new HashMap<>();
        for (String node : nodes) {
            asked.put(node, link(node).ask(kind, body));
        }
        long deadline = System.nanoTime() + this.ackTimeout.toNanos();
        Map<String, byte @Nullable []> answers = new HashMap<>();
        for (Map.Entry<String, CompletableFuture<byte @Nullable []>> question : asked.entrySet()) {
            byte[] answer = null;
            try {
                answer = question.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (TimeoutException | ExecutionException ex) {
                logger.info("Node " + question.getKey() + " did not answer in time");
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            // Forgets the question if it is still open.
            question.getValue().complete(null);
            answers.put(question.getKey(), answer);
        }
        return answers;
    }

    /** The nodes of an {@link #askAll} answer that did not answer, by name. */
    static List<String> unanswered(Map<String, byte @Nullable []> answers) {
        List<String> nodes = new ArrayList<>();
        answers.forEach((node, answer) -> {
            if (answer == null) {
                nodes.add(node);
            }
        });
        nodes.sort(null);
        return nodes;
    }

    /** This node is stopping: every link is retired, so its appender ends. */
    @Override
    public void close() {
        for (String node : List.copyOf(this.links.keySet())) {
            NodeLink link = this.links.remove(node);
            if (link != null) {
                link.retire();
            }
        }
    }
}
