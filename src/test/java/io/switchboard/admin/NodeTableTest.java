package io.switchboard.admin;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeLoads;
import io.switchboard.cluster.ClusterDirectory.NodeState;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's node table: rates from two answers of one node, and nodes that did not answer. */
class NodeTableTest {

    static NodeLoad load(String node, int clients, long received, long delivered, long queued) {
        return new NodeLoad(node, NodeState.READY, clients, received, delivered, 0, 0, queued, Map.of(), Map.of(),
                Map.of(), 0);
    }

    @Test
    void ratesComeFromTwoAnswersOfTheSameNodeAndASilentNodeIsNamed() {
        NodeLoads answer = new NodeLoads(List.of(load("node-a", 3, 1_500, 900, 2048),
                load("node-<b>", 1, 40, 0, 0)), List.of("node-c"));
        String html = NodeTable.render(answer, Map.of("node-a", load("node-a", 3, 1_000, 400, 0)), 2.0);
        assertThat(html)
                .contains("<tr id=\"node-node-a\"><th scope=\"row\">node-a</th><td>this node</td><td>3</td><td>250.0</td>"
                        + "<td>250.0</td><td>2.0 KiB</td></tr>")
                .as("no earlier answer: no rate yet; the name escaped")
                .contains("<th scope=\"row\">node-&lt;b&gt;</th><td>live</td><td>1</td><td>—</td><td>—</td>")
                .contains("<th scope=\"row\">node-c</th><td>did not answer in time</td>");
    }
}
