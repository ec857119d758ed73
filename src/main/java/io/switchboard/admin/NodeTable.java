package io.switchboard.admin;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.switchboard.cluster.ClusterDirectory;
import io.switchboard.cluster.ClusterDirectory.NodeLoad;

/**
 * The overview's tables of the cluster's nodes, as the nodes answered {@link ClusterDirectory#loads()}:
 * live, each node's state as it says, clients, messages and payload bytes per second in and
 * out (rates from two answers of the same node) and queued bytes; since each node started, its
 * messages, ERRORs by code, evictions, throttling and refused connections. Each answer also
 * goes to the per-node charts: its rates as the fragment's {@code data-sample}, and into
 * {@link NodeHistory}.
 *
 * <p>Threading: {@link #html} is called by the console's streams and by request threads, and
 * never waits on another node: it returns the fragment of the last answers, rendered once per
 * answer, and, when they are a second old or more, starts one asking on a virtual thread (at
 * most one at a time, each bounded by the cluster's ack-timeout). The last fragment is a
 * volatile field; the previous answers are touched by that asking thread only.
 */
final class NodeTable {

    private static final Log logger = LogFactory.getLog(NodeTable.class);
    private static final long REFRESH_NANOS = 1_000_000_000L;
    /**
     * While a page is open its stream asks for the table every second, so a new asking starts
     * within two seconds of the last answer. Later, no page was open meanwhile: a rate over that
     * time would pass an average over minutes for the last second's, so there is none.
     */
    private static final long WATCHED_NANOS = 5 * REFRESH_NANOS;

    private final Supplier<ClusterDirectory.NodeLoads> loads;
    private final Clock clock;
    private final NodeHistory history = new NodeHistory();
    private final AtomicBoolean asking = new AtomicBoolean();
    private volatile String html = "<p id=\"nodes\">Asking every node for its numbers…</p>";
    private volatile long answeredAt = System.nanoTime() - REFRESH_NANOS;
    /** Each node's previous answer and when it came: used by one asking thread at a time, which {@link #asking} orders. */
    private Map<String, NodeLoad> previous = Map.of();
    private long previousAt;

    NodeTable(Supplier<ClusterDirectory.NodeLoads> loads, Clock clock) {
        this.loads = loads;
        this.clock = clock;
    }

    String html() {
        if (System.nanoTime() - this.answeredAt >= REFRESH_NANOS && this.asking.compareAndSet(false, true)) {
            Thread.ofVirtual().name("console-node-loads").start(this::ask);
        }
        return this.html;
    }

    /** The per-node charts' points so far, for a page to start its charts with. */
    String historyJson() {
        return this.history.json();
    }

    private void ask() {
        try {
            long asked = System.nanoTime();
            ClusterDirectory.NodeLoads answer = this.loads.get();
            long now = System.nanoTime();
            boolean watched = this.previousAt != 0 && asked - this.previousAt <= WATCHED_NANOS;
            Map<String, Rates> rates = rates(answer, watched ? this.previous : Map.of(), (now - this.previousAt) / 1e9);
            long epochSecond = this.clock.instant().getEpochSecond();
            List<NodeHistory.Point> points = points(answer, rates);
            this.history.add(epochSecond, points);
            this.html = render(answer, rates, NodeHistory.sampleJson(epochSecond, points));
            Map<String, NodeLoad> byNode = new HashMap<>();
            answer.loads().forEach((load) -> byNode.put(load.node(), load));
            this.previous = byNode;
            this.previousAt = now;
            this.answeredAt = now;
        }
        catch (RuntimeException ex) {
            logger.debug("Could not ask the nodes for their numbers", ex);
            this.answeredAt = System.nanoTime();
        }
        finally {
            this.asking.set(false);
        }
    }

    /** Per second between two totals of one node; NaN when there is no earlier answer, or the node restarted since. */
    record Rates(double messagesIn, double messagesOut, double bytesIn, double bytesOut) {
    }

    static Map<String, Rates> rates(ClusterDirectory.NodeLoads answer, Map<String, NodeLoad> previous, double seconds) {
        Map<String, Rates> rates = new HashMap<>();
        for (NodeLoad load : answer.loads()) {
            NodeLoad before = previous.get(load.node());
            boolean comparable = before != null && seconds > 0 && load.messagesReceived() >= before.messagesReceived()
                    && load.messagesDelivered() >= before.messagesDelivered()
                    && load.payloadReceived() >= before.payloadReceived()
                    && load.payloadDelivered() >= before.payloadDelivered();
            rates.put(load.node(), comparable
                    ? new Rates((load.messagesReceived() - before.messagesReceived()) / seconds,
                            (load.messagesDelivered() - before.messagesDelivered()) / seconds,
                            (load.payloadReceived() - before.payloadReceived()) / seconds,
                            (load.payloadDelivered() - before.payloadDelivered()) / seconds)
                    : new Rates(Double.NaN, Double.NaN, Double.NaN, Double.NaN));
        }
        return rates;
    }

    /** The charts' points of one answer: every node's, a gap for one that did not answer. */
    private static List<NodeHistory.Point> points(ClusterDirectory.NodeLoads answer, Map<String, Rates> rates) {
        List<NodeHistory.Point> points = new ArrayList<>();
        for (NodeLoad load : answer.loads()) {
            Rates rate = rates.get(load.node());
            points.add(new NodeHistory.Point(load.node(), rate.messagesIn(), rate.messagesOut()));
        }
        for (String node : answer.unanswered()) {
            points.add(new NodeHistory.Point(node, Double.NaN, Double.NaN));
        }
        return points;
    }

    /**
     * The fragment: the charts' sample, the live table and the table since start. The first
     * node of an answer is this one. Row IDs are {@code node-} and {@code started-} and the
     * node's name; the fragment's own IDs start {@code nodes}, which no row's does.
     */
    static String render(ClusterDirectory.NodeLoads answer, Map<String, Rates> rates, String sampleJson) {
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<span id=\"nodes-sample\" hidden data-sample=\"").text(sampleJson).raw("\"></span>")
            .raw("<div class=\"scroll\"><table id=\"nodes\"><caption>Every node, live</caption><thead><tr>")
            .raw("<th scope=\"col\">Node</th><th scope=\"col\">Seen from here</th><th scope=\"col\">Clients</th>")
            .raw("<th scope=\"col\">Messages in per second</th><th scope=\"col\">Messages out per second</th>")
            .raw("<th scope=\"col\">Payload in per second</th><th scope=\"col\">Payload out per second</th>")
            .raw("<th scope=\"col\">Queued bytes</th><th scope=\"col\">State, as the node says</th></tr></thead><tbody>");
        boolean first = true;
        for (NodeLoad load : answer.loads()) {
            Rates rate = rates.get(load.node());
            html.raw("<tr id=\"node-").text(load.node()).raw("\"><th scope=\"row\">").text(load.node()).raw("</th><td>")
                .text(first ? "this node" : "live").raw("</td><td>").text(ConsoleNumbers.count(load.clients()))
                .raw("</td><td>").text(rate(rate.messagesIn()))
                .raw("</td><td>").text(rate(rate.messagesOut()))
                .raw("</td><td>").text(bytesRate(rate.bytesIn()))
                .raw("</td><td>").text(bytesRate(rate.bytesOut()))
                .raw("</td><td>").text(ConsoleNumbers.bytes(load.queuedBytes()))
                .raw("</td><td>").text(state(load.state())).raw("</td></tr>");
            first = false;
        }
        for (String node : answer.unanswered()) {
            html.raw("<tr id=\"node-").text(node).raw("\"><th scope=\"row\">").text(node)
                .raw("</th><td>did not answer in time</td>").raw("<td>—</td>".repeat(6)).raw("<td>unknown</td></tr>");
        }
        html.raw("</tbody></table></div>")
            .raw("<div class=\"scroll\"><table id=\"nodes-started\"><caption>Every node, since it started</caption><thead><tr>")
            .raw("<th scope=\"col\">Node</th><th scope=\"col\">Messages received</th><th scope=\"col\">Messages delivered</th>")
            .raw("<th scope=\"col\">ERRORs sent, by code</th><th scope=\"col\">Evictions, by reason</th>")
            .raw("<th scope=\"col\">Throttled (rate limits)</th><th scope=\"col\">Connections refused, by reason</th>")
            .raw("</tr></thead><tbody>");
        for (NodeLoad load : answer.loads()) {
            html.raw("<tr id=\"started-").text(load.node()).raw("\"><th scope=\"row\">").text(load.node())
                .raw("</th><td>").text(ConsoleNumbers.count(load.messagesReceived()))
                .raw("</td><td>").text(ConsoleNumbers.count(load.messagesDelivered()))
                .raw("</td><td>").text(tally(load.errors()))
                .raw("</td><td>").text(tally(load.evictions()))
                .raw("</td><td>").text(ConsoleNumbers.count(load.throttled()))
                .raw("</td><td>").text(tally(load.refused())).raw("</td></tr>");
        }
        for (String node : answer.unanswered()) {
            html.raw("<tr id=\"started-").text(node).raw("\"><th scope=\"row\">").text(node).raw("</th>")
                .raw("<td>—</td>".repeat(6)).raw("</tr>");
        }
        return html.raw("</tbody></table></div>").toString();
    }

    /** The words for what a node says of itself; the local overview uses them for "not joined" too. */
    static String state(ClusterDirectory.NodeState state) {
        return switch (state) {
            case READY -> "ready";
            case RECLAIMING_IDS -> "reclaiming IDs (Redis lost its data)";
            case NOT_READING_INBOX -> "not reading its inbox";
            case NOT_JOINED -> "not joined (cannot reach Redis)";
        };
    }

    /** The total, then each code or reason with its count: "3 (DESTINATION_BUSY 2, UNKNOWN_DESTINATION 1)". */
    private static String tally(Map<String, Long> counts) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        if (counts.isEmpty()) {
            return ConsoleNumbers.count(total);
        }
        List<String> each = new ArrayList<>();
        counts.forEach((name, count) -> each.add(name + " " + ConsoleNumbers.count(count)));
        return ConsoleNumbers.count(total) + " (" + String.join(", ", each) + ")";
    }

    /** A dash before there are two answers, or after the node restarted. */
    private static String rate(double perSecond) {
        return Double.isNaN(perSecond) ? "—" : ConsoleNumbers.rate(perSecond);
    }

    private static String bytesRate(double perSecond) {
        return Double.isNaN(perSecond) ? "—" : ConsoleNumbers.bytes(perSecond);
    }
}
