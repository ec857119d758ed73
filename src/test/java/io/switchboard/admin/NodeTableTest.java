package io.switchboard.admin;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeLoads;
import io.switchboard.cluster.ClusterDirectory.NodeState;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's node tables: rates from two answers of one node, each node's state and counts, and nodes that did not answer. */
class NodeTableTest {

    static NodeLoad load(String node, int clients, long received, long delivered, long queued) {
        return new NodeLoad(node, NodeState.READY, clients, received, delivered, 0, 0, queued, Map.of(), Map.of(),
                Map.of(), 0);
    }

    static String render(NodeLoads answer, Map<String, NodeLoad> previous, double seconds) {
        return NodeTable.render(answer, NodeTable.rates(answer, previous, seconds), "[0,[]]");
    }

    @Test
    void ratesComeFromTwoAnswersOfTheSameNodeAndASilentNodeIsNamed() {
        NodeLoads answer = new NodeLoads(List.of(load("node-a", 3, 1_500, 900, 2048), load("node-<b>", 1, 40, 0, 0)),
                List.of("node-c"));
        String html = render(answer, Map.of("node-a", load("node-a", 3, 1_000, 400, 0)), 2.0);
        assertThat(html)
                .contains("<tr id=\"node-node-a\"><th scope=\"row\">node-a</th><td>this node</td><td>3</td><td>250.0</td>"
                        + "<td>250.0</td><td>0 B</td><td>0 B</td><td>2.0 KiB</td><td>ready</td></tr>")
                .as("no earlier answer: no rate yet; the name escaped")
                .contains("<th scope=\"row\">node-&lt;b&gt;</th><td>live</td><td>1</td><td>—</td><td>—</td>")
                .contains("<th scope=\"row\">node-c</th><td>did not answer in time</td>");
    }

    @Test
    void payloadRatesEachNodesStateAndItsCountsSinceItStarted() {
        NodeLoad before = new NodeLoad("node-b", NodeState.READY, 2, 10, 10, 1_000, 4_000, 0, Map.of(), Map.of(),
                Map.of(), 0);
        NodeLoad now = new NodeLoad("node-b", NodeState.RECLAIMING_IDS, 2, 1_010, 1_510, 1_000 + 3 * 2048,
                4_000 + 4 * 1_048_576, 0, Map.of("UNKNOWN_DESTINATION", 1L, "DESTINATION_BUSY", 1_200L),
                Map.of("slow-consumer", 2L), Map.of("<per-address>", 5L), 7);
        NodeLoads answer = new NodeLoads(List.of(load("node-a", 0, 0, 0, 0), now,
                new NodeLoad("node-c", NodeState.NOT_READING_INBOX, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), Map.of(), 0),
                new NodeLoad("node-d", NodeState.NOT_JOINED, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), Map.of(), 0)),
                List.of("node-e"));
        String html = render(answer, Map.of("node-b", before), 2.0);
        assertThat(html)
                .contains("<tr id=\"node-node-b\"><th scope=\"row\">node-b</th><td>live</td><td>2</td><td>500.0</td>"
                        + "<td>750.0</td><td>3.0 KiB</td><td>2.0 MiB</td><td>0 B</td>"
                        + "<td>reclaiming IDs (Redis lost its data)</td></tr>")
                .contains("<th scope=\"row\">node-c</th><td>live</td>").contains("<td>not reading its inbox</td>")
                .contains("<td>not joined (cannot reach Redis)</td>")
                .contains("<tr id=\"node-node-e\"><th scope=\"row\">node-e</th><td>did not answer in time</td>"
                        + "<td>—</td><td>—</td><td>—</td><td>—</td><td>—</td><td>—</td><td>unknown</td></tr>")
                .as("since each node started: totals, then by code or reason, by name")
                .contains("<tr id=\"started-node-b\"><th scope=\"row\">node-b</th><td>1,010</td><td>1,510</td>"
                        + "<td>1,201 (DESTINATION_BUSY 1,200, UNKNOWN_DESTINATION 1)</td><td>2 (slow-consumer 2)</td>"
                        + "<td>7</td><td>5 (&lt;per-address&gt; 5)</td></tr>")
                .contains("<tr id=\"started-node-a\"><th scope=\"row\">node-a</th><td>0</td><td>0</td><td>0</td>"
                        + "<td>0</td><td>0</td><td>0</td></tr>")
                .contains("<tr id=\"started-node-e\"><th scope=\"row\">node-e</th><td>—</td><td>—</td><td>—</td>"
                        + "<td>—</td><td>—</td><td>—</td></tr>");
    }

    @Test
    void aNodeThatRestartedHasNoRateUntilItsNextAnswer() {
        NodeLoads answer = new NodeLoads(List.of(load("node-a", 0, 0, 0, 0), load("node-b", 0, 5, 5, 0)), List.of());
        assertThat(render(answer, Map.of("node-b", load("node-b", 0, 900, 900, 0)), 1.0))
                .contains("<th scope=\"row\">node-b</th><td>live</td><td>0</td><td>—</td><td>—</td><td>—</td><td>—</td>");
    }

    @Test
    void theFragmentCarriesTheChartsSampleEscaped() {
        NodeLoads answer = new NodeLoads(List.of(load("node-a", 0, 0, 0, 0)), List.of());
        String html = NodeTable.render(answer, NodeTable.rates(answer, Map.of(), 1.0),
                NodeHistory.sampleJson(1_700_000_000L, List.of(new NodeHistory.Point("a\"<b>", 1.25, Double.NaN))));
        assertThat(html).startsWith("<span id=\"nodes-sample\" hidden data-sample=\"[1700000000,[[&quot;a\\&quot;"
                + "\\u003cb\\u003e&quot;,1.3,null]]]\"></span>");
    }
}
