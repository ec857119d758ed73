package io.switchboard.cluster;

import org.junit.jupiter.api.Test;

import io.switchboard.cluster.ClusterDirectory.NodeState;

import static org.assertj.core.api.Assertions.assertThat;

/** The state a node tells the others: the first of NodeState's that holds. */
class LocalNodeTest {

    @Test
    void aNodeIsReadyOnlyWhenJoinedReadingAndNotReclaiming() {
        assertThat(LocalNode.state(true, true, false)).isEqualTo(NodeState.READY);
        assertThat(LocalNode.state(true, true, true)).isEqualTo(NodeState.RECLAIMING_IDS);
        assertThat(LocalNode.state(true, false, true)).isEqualTo(NodeState.NOT_READING_INBOX);
        assertThat(LocalNode.state(true, false, false)).isEqualTo(NodeState.NOT_READING_INBOX);
        for (boolean reading : new boolean[] { true, false }) {
            for (boolean reclaiming : new boolean[] { true, false }) {
                assertThat(LocalNode.state(false, reading, reclaiming)).isEqualTo(NodeState.NOT_JOINED);
            }
        }
    }
}
