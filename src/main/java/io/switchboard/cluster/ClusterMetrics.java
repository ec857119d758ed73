package io.switchboard.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The cluster's gauges, beside the relay's {@code switchboard.*} meters. */
final class ClusterMetrics {

    ClusterMetrics(MeterRegistry meters, NodeMembership membership, NodeLinks links, LocalDelivery delivery) {
        Gauge.builder("switchboard.cluster.joined", membership, m -> m.isJoined() ? 1 : 0)
                .description("1 while this node is joined to the cluster through Redis, else 0").register(meters);
        Gauge.builder("switchboard.cluster.reclaiming", membership, m -> m.isReclaiming() ? 1 : 0)
                .description("1 while no node hands out IDs, as the nodes claim their clients' IDs again after Redis"
                        + " lost them, else 0").register(meters);
        Gauge.builder("switchboard.cluster.nodes", membership, m -> m.liveNodes().size() + 1)
                .description("Nodes alive at the last heartbeat, this one included").register(meters);
        Gauge.builder("switchboard.cluster.remote.unconfirmed", links, NodeLinks::pendingCount)
                .description("Messages sent to other nodes whose outcome is not known yet").register(meters);
        Gauge.builder("switchboard.cluster.backlog", delivery, LocalDelivery::backlogged)
                .description("Messages from other nodes waiting for room in a full queue").register(meters);
    }
}
