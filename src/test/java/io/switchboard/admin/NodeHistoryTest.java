package io.switchboard.admin;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-node charts' history: five minutes a node, nodes without numbers for that long dropped. */
class NodeHistoryTest {

    static NodeHistory.Point point(String node, double in, double out) {
        return new NodeHistory.Point(node, in, out);
    }

    @Test
    void keepsEachNodesPointsInTheLatestAnswersOrderWithGapsAsNullOnceItHasNumbers() {
        NodeHistory history = new NodeHistory();
        history.add(100, List.of(point("b", Double.NaN, Double.NaN), point("a", 1, 2)));
        history.add(101, List.of(point("b", 3.04, 4.05), point("a", Double.NaN, Double.NaN)));
        assertThat(history.json()).isEqualTo("[[\"b\",[[101,3.0,4.1]]],[\"a\",[[100,1.0,2.0],[101,null,null]]]]");
    }

    @Test
    void holdsFiveMinutesAndDropsANodeWithoutNumbersForThatLong() {
        NodeHistory history = new NodeHistory();
        history.add(0, List.of(point("gone", 1, 1), point("silent", 1, 1)));
        for (int t = 1; t <= 2 * NodeHistory.SECONDS; t++) {
            history.add(t, List.of(point("a", t, t), point("silent", Double.NaN, Double.NaN)));
            if (t == NodeHistory.SECONDS - 1) {
                assertThat(history.json()).contains("\"gone\"").contains("\"silent\"");
            }
        }
        String json = history.json();
        assertThat(json).startsWith("[[\"a\",[[301,301.0,301.0],").endsWith(",[600,600.0,600.0]]]]")
                .doesNotContain("gone").doesNotContain("silent");
        assertThat(json.split("\\],\\[")).hasSize(NodeHistory.SECONDS);
    }

    @Test
    void namesAreJsonStringsSafeInsideAScriptElement() {
        NodeHistory history = new NodeHistory();
        history.add(1, List.of(point("</script>\"\\\n&", 1, 1)));
        assertThat(history.json()).isEqualTo("[[\"\\u003c/script\\u003e\\\"\\\\\\u000a\\u0026\",[[1,1.0,1.0]]]]");
    }
}
