package io.switchboard.admin;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/** The console's client pages: the list with its search and order, a client's page, and their fragments. */
final class ClientsView {

    static final String ROWS_EVENT = "rows";

    private ClientsView() {
    }

    /** The list: a search form, a table of one page of clients, live through the list's stream. */
    static String list(ClientQuery query, ClientFinder.Found found, boolean cluster) {
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<form class=\"search\" method=\"get\" action=\"/console/clients\" role=\"search\">")
            .raw("<div><label for=\"q\">Search ID, subject or address</label>")
            .raw("<input id=\"q\" name=\"q\" type=\"search\" value=\"").text(query.search()).raw("\"></div>")
            .raw("<div><label for=\"order\">Order by</label><select id=\"order\" name=\"order\">");
        for (ClientQuery.Order order : ClientQuery.Order.values()) {
            html.raw("<option value=\"").text(order.param).raw("\"").raw(order == query.order() ? " selected" : "")
                .raw(">").text(order.label).raw("</option>");
        }
        html.raw("</select></div><div><label for=\"size\">Per page</label><input id=\"size\" name=\"size\" type=\"number\" min=\"1\" max=\"")
            .text(ClientQuery.MAX_SIZE).raw("\" value=\"").text(query.size()).raw("\"></div>")
            .raw("<button type=\"submit\">Show</button></form>");
        if (found.truncated()) {
            html.raw("<p role=\"note\">Looked at the first ").text(ConsoleNumbers.count(ClientFinder.SCAN_LIMIT))
                .raw(" clients only.</p>");
        }
        if (!found.unanswered().isEmpty()) {
            html.raw("<p role=\"alert\">Nodes that did not answer in time, whose clients are missing: ")
                .text(String.join(", ", found.unanswered())).raw("</p>");
        }
        html.raw("<div class=\"scroll\" sse-connect=\"/console/clients/stream?").text(streamQuery(query, found)).raw("\">")
            .raw("<table id=\"clients\"><caption>").text(caption(query)).raw(" (updated every second)</caption><thead><tr>")
            .raw("<th scope=\"col\">ID</th>").raw(cluster ? "<th scope=\"col\">Node</th>" : "")
            .raw("<th scope=\"col\">Subject</th><th scope=\"col\">Address</th><th scope=\"col\">Connected at</th>")
            .raw("<th scope=\"col\">Messages in</th><th scope=\"col\">Messages out</th>")
            .raw("<th scope=\"col\">Bytes in</th><th scope=\"col\">Bytes out</th>")
            .raw("<th scope=\"col\">In/s</th><th scope=\"col\">Out/s</th>")
            .raw("<th scope=\"col\">Queued bytes</th><th scope=\"col\">Throttled</th></tr></thead>")
            .raw("<tbody sse-swap=\"").raw(ROWS_EVENT).raw("\">").raw(rows(found.clients(), Map.of(), cluster, List.of()))
            .raw("</tbody></table></div>");
        if (found.next() != null) {
            html.raw("<p><a rel=\"next\" href=\"/console/clients?").text(pageQuery(query, found.next()))
                .raw("\">Next page</a></p>");
        }
        if (query.after() > 0) {
            html.raw("<p><a href=\"/console/clients?").text(pageQuery(query, 0)).raw("\">First page</a></p>");
        }
        return ConsoleLayout.page("Clients", "Clients", html.toString());
    }

    /**
     * The table's rows. {@code rates} holds the messages per second in and out of the clients
     * it names; {@code gone} the IDs shown before that are no longer connected (a search or an
     * order keeps its rows, and says which have gone).
     */
    static String rows(List<ClientView> clients, Map<Long, double[]> rates, boolean cluster, List<Long> gone) {
        ConsoleHtml html = new ConsoleHtml();
        if (clients.isEmpty() && gone.isEmpty()) {
            html.raw("<tr><td colspan=\"").text(cluster ? 13 : 12).raw("\">No clients.</td></tr>");
        }
        for (ClientView client : clients) {
            double[] rate = rates.get(client.id());
            html.raw("<tr id=\"client-").text(client.id()).raw("\"><th scope=\"row\"><a href=\"/console/clients/")
                .text(client.id()).raw("\">").text(client.id()).raw("</a></th>");
            if (cluster) {
                html.element("td", client.node());
            }
            html.raw("<td class=\"subject\">").text(client.subject() == null ? "—" : client.subject()).raw("</td>")
                .element("td", client.remoteAddress())
                .raw("<td class=\"time\">").text(client.connectedAt()).raw("</td>")
                .raw("<td class=\"num\">").text(ConsoleNumbers.count(client.messagesIn())).raw("</td>")
                .raw("<td class=\"num\">").text(ConsoleNumbers.count(client.messagesOut())).raw("</td>")
                .raw("<td class=\"num\">").text(ConsoleNumbers.count(client.bytesIn())).raw("</td>")
                .raw("<td class=\"num\">").text(ConsoleNumbers.count(client.bytesOut())).raw("</td>")
                .raw("<td class=\"num\">").text(rate == null ? "—" : ConsoleNumbers.rate(rate[0])).raw("</td>")
                .raw("<td class=\"num\">").text(rate == null ? "—" : ConsoleNumbers.rate(rate[1])).raw("</td>")
                .raw("<td class=\"num\">").text(ConsoleNumbers.count(client.queuedBytes())).raw("</td>")
                .element("td", client.throttled() ? "throttled" : "no")
                .raw("</tr>");
        }
        for (long id : gone) {
            html.raw("<tr id=\"client-").text(id).raw("\" class=\"gone\"><th scope=\"row\">").text(id)
                .raw("</th><td colspan=\"").text(cluster ? 12 : 11).raw("\">disconnected</td></tr>");
        }
        return html.toString();
    }

    /** One client: every field, and what the operator can do to it. */
    static String detail(ClientView client) {
        String path = "/console/clients/" + client.id();
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<dl class=\"fields\" id=\"client\">");
        field(html, "ID", client.id());
        if (client.node() != null) {
            field(html, "Node", client.node());
        }
        field(html, "Subject", client.subject() == null ? "— (none: no token or client certificate)" : client.subject());
        field(html, "Remote address", client.remoteAddress());
        field(html, "Connected at", client.connectedAt());
        field(html, "Messages in (SENDs read)", ConsoleNumbers.count(client.messagesIn()));
        field(html, "Messages out (DELIVERs written)", ConsoleNumbers.count(client.messagesOut()));
        field(html, "Payload bytes in", ConsoleNumbers.count(client.bytesIn()));
        field(html, "Payload bytes out", ConsoleNumbers.count(client.bytesOut()));
        field(html, "Queued bytes", ConsoleNumbers.count(client.queuedBytes()));
        field(html, "Throttled", client.throttled() ? "yes, by its rate limits" : "no");
        html.raw("</dl><p><a href=\"").text(path).raw("\">Refresh</a></p>")
            .raw("<section aria-labelledby=\"send\"><h2 id=\"send\">Send a message as the operator</h2>")
            .raw("<form hx-post=\"").text(path).raw("/messages\" hx-target=\"#send-result\" method=\"post\" action=\"")
            .text(path).raw("/messages\">").raw(bodyFields("send"))
            .raw("<button type=\"submit\">Send</button></form>")
            .raw("<p id=\"send-result\" role=\"status\" aria-live=\"polite\"></p></section>")
            .raw("<section aria-labelledby=\"disconnect\"><h2 id=\"disconnect\">Disconnect</h2>")
            .raw("<form hx-post=\"").text(path).raw("/disconnect\" hx-target=\"#disconnect-result\" hx-confirm=\"Disconnect client ")
            .text(client.id()).raw("? What is queued for it ends as DESTINATION_GONE to its senders.\" method=\"post\" action=\"")
            .text(path).raw("/disconnect\"><button type=\"submit\" class=\"danger\">Disconnect client ").text(client.id())
            .raw("</button></form><p id=\"disconnect-result\" role=\"status\" aria-live=\"polite\"></p></section>");
        return ConsoleLayout.page("Client " + client.id(), "Clients", html.toString());
    }

    static String notConnected(long id) {
        return ConsoleLayout.page("Client " + id, "Clients",
                "<p role=\"alert\">404: no client with this ID is connected.</p><p><a href=\"/console/clients\">All clients</a></p>");
    }

    /** A message body and how to read it, for a send or a broadcast form; {@code prefix} keeps the IDs unique. */
    static String bodyFields(String prefix) {
        return "<div><label for=\"" + prefix + "-body\">Message</label>"
                + "<textarea id=\"" + prefix + "-body\" name=\"body\" rows=\"3\"></textarea></div>"
                + "<fieldset><legend>Written as</legend>"
                + "<label><input type=\"radio\" name=\"format\" value=\"text\" checked> text (UTF-8)</label>"
                + "<label><input type=\"radio\" name=\"format\" value=\"hex\"> hex bytes</label></fieldset>";
    }

    /** The outcome of an operator's action, as the API's status and its words. */
    static String outcome(int status, String words, @Nullable String detail) {
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<strong class=\"").raw(status < 300 ? "ok" : "failed").raw("\">").text(status + " " + words).raw("</strong>");
        if (detail != null) {
            html.raw(" ").text(detail);
        }
        return html.toString();
    }

    private static void field(ConsoleHtml html, String label, Object value) {
        html.raw("<div><dt>").text(label).raw("</dt><dd>").text(value).raw("</dd></div>");
    }

    private static String caption(ClientQuery query) {
        if (query.isPlainList()) {
            return "Clients by ID" + (query.after() > 0 ? ", after " + query.after() : "");
        }
        String search = query.search().isEmpty() ? "" : " matching \u201c" + query.search() + "\u201d";
        return "Clients" + search + (query.order() == ClientQuery.Order.ID ? " by ID" : ", first " + query.size()
                + " by " + query.order().label);
    }

    private static String pageQuery(ClientQuery query, long after) {
        return "q=" + java.net.URLEncoder.encode(query.search(), java.nio.charset.StandardCharsets.UTF_8) + "&order="
                + query.order().param + "&size=" + query.size() + "&after=" + after;
    }

    /** The plain list's stream pages as the list does; any other follows the IDs it shows. */
    private static String streamQuery(ClientQuery query, ClientFinder.Found found) {
        if (query.isPlainList()) {
            return "after=" + query.after() + "&size=" + query.size();
        }
        StringBuilder ids = new StringBuilder("ids=");
        found.clients().forEach((client) -> ids.append(ids.length() > 4 ? "," : "").append(client.id()));
        return ids.toString();
    }
}
