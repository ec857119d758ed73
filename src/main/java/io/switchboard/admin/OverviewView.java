package io.switchboard.admin;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.switchboard.cluster.ClusterDirectory;

/**
 * The overview: this node's numbers of the last second and totals since start, and the charts'
 * history; in cluster mode, every node's numbers and charts ({@link NodeTable}). Each part is a
 * fragment of its own, sent again every second on the overview's stream.
 */
final class OverviewView {

    static final String EVENT = "overview";
    static final String TOTALS_EVENT = "totals";
    static final String NODES_EVENT = "nodes";

    private final RelaySampler sampler;
    /** Cluster mode: every node's numbers; null on a single node. */
    private final @Nullable NodeTable nodes;

    OverviewView(RelaySampler sampler, @Nullable NodeTable nodes) {
        this.sampler = sampler;
        this.nodes = nodes;
    }

    String page() {
        ConsoleHtml html = new ConsoleHtml();
        // One stream for the page: every live fragment below it.
        html.raw("<div sse-connect=\"/console/overview/stream\"><section aria-labelledby=\"now\">")
            .raw("<h2 id=\"now\">This node, live</h2>")
            .raw("<div id=\"overview-numbers\" sse-swap=\"").raw(EVENT).raw("\">").raw(numbers()).raw("</div>")
            .raw("</section>")
            .raw("<section aria-labelledby=\"charts\" class=\"charts-section\"><h2 id=\"charts\">The last five minutes</h2>")
            .raw("<div class=\"charts\">")
            .raw("<figure><div id=\"chart-clients\" class=\"chart\"></div><figcaption>Clients connected</figcaption></figure>")
            .raw("<figure><div id=\"chart-messages\" class=\"chart\"></div><figcaption>Messages per second, in and out</figcaption></figure>")
            .raw("<figure><div id=\"chart-bytes\" class=\"chart\"></div><figcaption>Payload bytes per second, in and out</figcaption></figure>")
            .raw("<figure><div id=\"chart-queued\" class=\"chart\"></div><figcaption>Queued bytes</figcaption></figure>")
            .raw("</div>")
            .raw("<script type=\"application/json\" id=\"history\">").raw(historyJson()).raw("</script></section>")
            .raw("<section aria-labelledby=\"totals\"><h2 id=\"totals\">Since start</h2>")
            .raw("<div id=\"overview-totals\" sse-swap=\"").raw(TOTALS_EVENT).raw("\">").raw(totals()).raw("</div></section>");
        if (this.nodes != null) {
            // The charts are drawn by console.js from the history, then from each fragment's sample.
            html.raw("<section aria-labelledby=\"nodes-heading\"><h2 id=\"nodes-heading\">Every node</h2>")
                .raw("<div id=\"overview-nodes\" sse-swap=\"").raw(NODES_EVENT).raw("\">").raw(this.nodes.html()).raw("</div>")
                .raw("<h3 id=\"nodes-charts-heading\">Each node's messages per second, in and out, the last five minutes</h3>")
                .raw("<div id=\"nodes-charts\" class=\"charts\" role=\"group\" aria-labelledby=\"nodes-charts-heading\"></div>")
                .raw("<script type=\"application/json\" id=\"nodes-history\">").raw(this.nodes.historyJson())
                .raw("</script></section>");
        }
        html.raw("</div>")
            .raw("<section aria-labelledby=\"broadcast\"><h2 id=\"broadcast\">Broadcast</h2>")
            .raw("<form hx-post=\"/console/broadcast\" hx-target=\"#broadcast-result\" method=\"post\" action=\"/console/broadcast\">")
            .raw(ClientsView.bodyFields("broadcast"))
            .raw("<button type=\"submit\">Send to every client</button></form>")
            .raw("<p id=\"broadcast-result\" role=\"status\" aria-live=\"polite\"></p></section>");
        return ConsoleLayout.page("Overview", "Overview", html.toString());
    }

    /** The live fragments, by their event's name. */
    Map<String, String> events() {
        return (this.nodes == null) ? Map.of(EVENT, numbers(), TOTALS_EVENT, totals())
                : Map.of(EVENT, numbers(), TOTALS_EVENT, totals(), NODES_EVENT, this.nodes.html());
    }

    /** The live numbers; {@code #sample} carries the newest sample's values for the charts. */
    String numbers() {
        RelaySample now = this.sampler.latest();
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<span id=\"sample\" hidden data-sample=\"").text(sampleJson(now)).raw("\"></span>")
            .raw("<dl class=\"numbers\">");
        number(html, "Clients connected", ConsoleNumbers.count(now.clients()), "clients");
        number(html, "Messages in per second", ConsoleNumbers.rate(now.messagesIn()), "messages-in");
        number(html, "Messages out per second", ConsoleNumbers.rate(now.messagesOut()), "messages-out");
        number(html, "Payload in per second", ConsoleNumbers.bytes(now.bytesIn()), "bytes-in");
        number(html, "Payload out per second", ConsoleNumbers.bytes(now.bytesOut()), "bytes-out");
        number(html, "Queued bytes", ConsoleNumbers.bytes(now.queuedBytes()), "queued");
        html.raw("</dl>");
        return html.toString();
    }

    /** Counts since this node started, and the cluster's state. */
    String totals() {
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<dl class=\"numbers\">");
        number(html, "Messages received, total", ConsoleNumbers.count((long) this.sampler.counted("switchboard.messages.received")), "total-in");
        number(html, "Messages delivered, total", ConsoleNumbers.count((long) this.sampler.counted("switchboard.messages.delivered")), "total-out");
        number(html, "Connections accepted", ConsoleNumbers.count((long) this.sampler.counted("switchboard.connections.accepted")), "accepted");
        number(html, "Throttled (rate limits)", ConsoleNumbers.count((long) this.sampler.counted("switchboard.throttled")), "throttled");
        html.raw("</dl><div class=\"tables\">");
        table(html, "ERRORs sent, by code", "Code", this.sampler.byTag("switchboard.errors", "code"), "errors");
        table(html, "Evictions, by reason", "Reason", this.sampler.byTag("switchboard.evictions", "reason"), "evictions");
        table(html, "Connections refused, by reason", "Reason",
                this.sampler.byTag("switchboard.connections.rejected", "reason"), "refused");
        table(html, "Connect authentication failures, by reason", "Reason",
                this.sampler.byTag("switchboard.auth.failures", "reason"), "auth-failures");
        html.raw("</div>");
        double nodes = this.sampler.gauge("switchboard.cluster.nodes");
        if (!Double.isNaN(nodes)) {
            html.raw("<p id=\"cluster\">Cluster mode: ").text(ConsoleNumbers.count((long) nodes))
                .raw(" nodes live; this node is ")
                .text(this.sampler.gauge("switchboard.cluster.joined") == 1 ? "joined"
                        : NodeTable.state(ClusterDirectory.NodeState.NOT_JOINED))
                .raw(". The numbers above are this node's; every node's are below, and the client list covers every node.</p>");
        }
        return html.toString();
    }

    private static void number(ConsoleHtml html, String label, String value, String id) {
        html.raw("<div><dt>").text(label).raw("</dt><dd id=\"n-").raw(id).raw("\">").text(value).raw("</dd></div>");
    }

    private static void table(ConsoleHtml html, String caption, String key, Map<String, Long> counts, String id) {
        html.raw("<table id=\"t-").raw(id).raw("\"><caption>").text(caption).raw("</caption><thead><tr><th scope=\"col\">")
            .text(key).raw("</th><th scope=\"col\">Count</th></tr></thead><tbody>");
        counts.forEach((name, count) -> html.raw("<tr><th scope=\"row\">").text(name).raw("</th><td>")
            .text(ConsoleNumbers.count(count)).raw("</td></tr>"));
        html.raw("</tbody></table>");
    }

    private String historyJson() {
        List<RelaySample> history = this.sampler.history();
        StringBuilder json = new StringBuilder("[");
        for (RelaySample sample : history) {
            json.append((json.length() > 1) ? "," : "").append(sampleJson(sample));
        }
        return json.append("]").toString();
    }

    /** Numbers only, so it is safe inside the script element and the attribute (escaped there). */
    private static String sampleJson(RelaySample s) {
        return "[" + s.epochSecond() + "," + s.clients() + "," + round(s.messagesIn()) + "," + round(s.messagesOut())
                + "," + round(s.bytesIn()) + "," + round(s.bytesOut()) + "," + s.queuedBytes() + "]";
    }

    private static long round(double value) {
        return Math.round(value);
    }
}
