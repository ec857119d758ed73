package io.switchboard.admin;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.switchboard.cluster.ClusterDirectory;

/**
 * The overview's table of the cluster's nodes: each live node's clients, messages per second in
 * and out, and queued bytes, as the nodes answered {@link ClusterDirectory#loads()}; rates from
 * two answers of the same node.
 *
 * <p>Threading: {@link #html} is called by the console's one stream thread and by request
 * threads, and never waits on another node: it returns the table of the last answers and, when
 * they are a second old or more, starts one asking on a virtual thread (at most one at a time,
 * each bounded by the cluster's ack-timeout). The last table is a volatile field; the previous
 * answers are touched by that asking thread only.
 */
final class NodeTable {

    private static final Log logger = LogFactory.getLog(NodeTable.class);
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Supplier<ClusterDirectory.NodeLoads> loads;
    private final AtomicBoolean asking = new AtomicBoolean();
    private volatile String html = "<p id=\"nodes\">Asking every node for its numbers…</p>";
    private volatile long answeredAt = System.nanoTime() - REFRESH_NANOS;
    /** Each node's previous answer and when it came: used by one asking thread at a time, which {@link #asking} orders. */
    private Map<String, ClusterDirectory.NodeLoad> previous = Map.of();
    private long previousAt;

    NodeTable(Supplier<ClusterDirectory.NodeLoads> loads) {
        this.loads = loads;
    }

    String html() {
        if (System.nanoTime() - this.answeredAt >= REFRESH_NANOS && this.asking.compareAndSet(false, true)) {
            Thread.ofVirtual().name("console-node-loads").start(this::ask);
        }
        return this.html;
    }

    private void ask() {
        try {
            ClusterDirectory.NodeLoads answer = this.loads.get();
            long now = System.nanoTime();
            this.html = render(answer, this.previous, (now - this.previousAt) / 1e9);
            Map<String, ClusterDirectory.NodeLoad> byNode = new HashMap<>();
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

    static String render(ClusterDirectory.NodeLoads answer, Map<String, ClusterDirectory.NodeLoad> previous,
            double seconds) {
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<table id=\"nodes\"><caption>Nodes</caption><thead><tr><th scope=\"col\">Node</th>")
            .raw("<th scope=\"col\">State</th><th scope=\"col\">Clients</th><th scope=\"col\">Messages in per second</th>")
            .raw("<th scope=\"col\">Messages out per second</th><th scope=\"col\">Queued bytes</th></tr></thead><tbody>");
        boolean first = true;
        for (ClusterDirectory.NodeLoad load : answer.loads()) {
            ClusterDirectory.NodeLoad before = previous.get(load.node());
            html.raw("<tr id=\"node-").text(load.node()).raw("\"><th scope=\"row\">").text(load.node()).raw("</th><td>")
                .text(first ? "this node" : "live").raw("</td><td>").text(ConsoleNumbers.count(load.clients()))
                .raw("</td><td>").text(rate(load.messagesReceived(), (before != null) ? before.messagesReceived() : -1, seconds))
                .raw("</td><td>").text(rate(load.messagesDelivered(), (before != null) ? before.messagesDelivered() : -1, seconds))
                .raw("</td><td>").text(ConsoleNumbers.bytes(load.queuedBytes())).raw("</td></tr>");
            first = false;
        }
        for (String node : answer.unanswered()) {
            html.raw("<tr id=\"node-").text(node).raw("\"><th scope=\"row\">").text(node)
                .raw("</th><td>did not answer in time</td><td>—</td><td>—</td><td>—</td><td>—</td></tr>");
        }
        return html.raw("</tbody></table>").toString();
    }

    /** Per second between two totals of one node; a dash before there are two, or after the node restarted. */
    private static String rate(long now, long before, double seconds) {
        return (before < 0 || now < before || seconds <= 0) ? "—" : ConsoleNumbers.rate((now - before) / seconds);
    }
}
