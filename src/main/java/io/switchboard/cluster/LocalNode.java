package io.switchboard.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.switchboard.cluster.ClusterDirectory.ClusterClient;
import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeState;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.RelayMetrics;
import io.switchboard.relay.Router;

/**
 * This node's clients, numbers and state as the cluster shows them: what {@link ClusterDirectory}
 * answers for this node and {@link NodeRequests} for the others. Nothing here waits: it runs on
 * the inbox reader too.
 */
final class LocalNode {

    private final String node;
    private final ClientRegistry registry;
    private final Router router;
    private final RelayMetrics metrics;
    private final NodeMembership membership;
    private final InboxState inbox;

    LocalNode(String node, ClientRegistry registry, Router router, RelayMetrics metrics, NodeMembership membership,
            InboxState inbox) {
        this.node = node;
        this.registry = registry;
        this.router = router;
        this.metrics = metrics;
        this.membership = membership;
        this.inbox = inbox;
    }

    String node() {
        return this.node;
    }

    boolean holds(int id) {
        return this.registry.get(id) != null;
    }

    /** The clients with an ID above {@code after}, at most {@code limit}. */
    List<ClusterClient> clients(long after, int limit) {
        List<ClusterClient> clients = new ArrayList<>();
        for (ClientSession session : this.registry.pageAfter(after, limit)) {
            clients.add(describe(session));
        }
        return clients;
    }

    Optional<ClusterClient> client(int id) {
        ClientSession session = this.registry.get(id);
        return (session == null) ? Optional.empty() : Optional.of(describe(session));
    }

    /** This node's state and numbers, from the relay's own counters. */
    NodeLoad load() {
        RelayMetrics.Totals totals = this.metrics.totals();
        return new NodeLoad(this.node, state(), this.registry.size(), totals.messagesIn(), totals.messagesOut(),
                totals.bytesIn(), totals.bytesOut(), RelayMetrics.queuedPayload(this.registry), totals.errors(),
                totals.evictions(), totals.rejects(), totals.throttles());
    }

    NodeState state() {
        return state(this.membership.isJoined(), this.inbox.isReading(), this.membership.isReclaiming());
    }

    /** The first that holds, as {@link NodeState} orders them. */
    static NodeState state(boolean joined, boolean reading, boolean reclaiming) {
        if (!joined) {
            return NodeState.NOT_JOINED;
        }
        if (!reading) {
            return NodeState.NOT_READING_INBOX;
        }
        return reclaiming ? NodeState.RECLAIMING_IDS : NodeState.READY;
    }

    /**
     * Disconnects client {@code id} of this node: its close routes what it read and ends what
     * was queued for it as DESTINATION_GONE.
     * @return false when this node has no such client
     */
    boolean disconnect(int id) {
        ClientSession session = this.registry.get(id);
        if (session == null) {
            return false;
        }
        session.disconnect();
        return true;
    }

    /** Sends {@code payload} from the operator to every client of this node whose queue has room now. */
    int broadcast(byte[] payload) {
        return this.router.broadcast(Wire.OPERATOR_ID, payload, MessageOrigin.NONE);
    }

    private ClusterClient describe(ClientSession session) {
        return new ClusterClient(session.idAsLong(), this.node, session.remoteAddress(), session.connectedAt(),
                session.messagesIn(), session.messagesOut(), session.bytesIn(), session.bytesOut(),
                session.queuedBytes(), session.subject(), session.isThrottled());
    }
}
