package io.switchboard.cluster;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.switchboard.cluster.ClusterDirectory.NodeState;

/**
 * The {@code cluster} health component: UP while this node is joined and reads its inbox, DOWN
 * while Redis is unreachable, and while the nodes reclaim their clients' IDs after Redis lost
 * them (no new client gets an ID then). It is in the readiness group, as a node without Redis
 * refuses new clients, and not in liveness: it still relays between its own clients, and a restart would
 * not bring Redis back.
 */
final class ClusterHealthIndicator extends AbstractHealthIndicator {

    private final NodeMembership membership;
    private final LocalNode local;
    private final NodeLinks links;

    ClusterHealthIndicator(NodeMembership membership, LocalNode local, NodeLinks links) {
        super("Cluster health check failed");
        this.membership = membership;
        this.local = local;
        this.links = links;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        NodeState state = this.local.state();
        boolean up = state == NodeState.READY;
        builder.status(up ? "UP" : "DOWN")
                .withDetail("node", this.membership.node())
                .withDetail("otherNodes", this.membership.liveNodes().size())
                .withDetail("unconfirmedRemoteMessages", this.links.pendingCount());
        String problem = this.membership.problem();
        if (!up && problem != null) {
            builder.withDetail("error", problem);
        }
        else if (state == NodeState.RECLAIMING_IDS) {
            builder.withDetail("error", "Redis lost the registry of client IDs: the nodes are claiming their"
                    + " clients' IDs again, and new connections wait until they have had the time to");
        }
    }
}
