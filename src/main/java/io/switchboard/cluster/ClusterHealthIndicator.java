package io.switchboard.cluster;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code cluster} health component: UP while this node is joined and reads its inbox, DOWN
 * while Redis is unreachable. It is in the readiness group, as a node without Redis refuses new
 * clients, and not in liveness: it still relays between its own clients, and a restart would
 * not bring Redis back.
 */
final class ClusterHealthIndicator extends AbstractHealthIndicator {

    private final NodeMembership membership;
    private final RemoteRouter router;

    ClusterHealthIndicator(NodeMembership membership, RemoteRouter router) {
        super("Cluster health check failed");
        this.membership = membership;
        this.router = router;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean up = this.membership.isJoined() && this.membership.isReading();
        builder.status(up ? "UP" : "DOWN")
                .withDetail("node", this.membership.node())
                .withDetail("otherNodes", this.membership.liveNodes().size())
                .withDetail("unconfirmedRemoteMessages", this.router.pendingCount());
        String problem = this.membership.problem();
        if (!up && problem != null) {
            builder.withDetail("error", problem);
        }
    }
}
