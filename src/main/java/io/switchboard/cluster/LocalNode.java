package io.switchboard.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.switchboard.cluster.ClusterDirectory.ClusterClient;
import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeState;
import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;
import io.switchboard.relay.MessageOrigin;
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
    private final MeterRegistry meters;
    private final NodeMembership membership;
    private final InboxState inbox;

    LocalNode(String node, ClientRegistry registry, Router router, MeterRegistry meters, NodeMembership membership,
            InboxState inbox) {
        this.node = node;
        this.registry = registry;
        this.router = router;
        this.meters = meters;
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

    /**
     * This node's state and numbers, from the relay's meters under the names the registry holds
     * them by: the console's {@code PrometheusNames} filter names the byte counters
     * {@code switchboard.payload.*}.
     */
    NodeLoad load() {
        long queued = 0;
        for (ClientSession session : this.registry.all()) {
            queued += session.queuedBytes();
        }
        return new NodeLoad(this.node, state(), this.registry.size(), counted("switchboard.messages.received"),
                counted("switchboard.messages.delivered"), counted("switchboard.payload.received"),
                counted("switchboard.payload.delivered"), queued, byTag("switchboard.errors", "code"),
                byTag("switchboard.evictions", "reason"), byTag("switchboard.connections.rejected", "reason"),
                counted("switchboard.throttled"));
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

    private long counted(String name) {
        long total = 0;
        for (Counter counter : this.meters.find(name).counters()) {
            total += (long) counter.count();
        }
        return total;
    }

    /** A counter's totals by the value of one tag (ERRORs by code, evictions by reason). */
    private Map<String, Long> byTag(String name, String tag) {
        Map<String, Long> counts = new HashMap<>();
        for (Counter counter : this.meters.find(name).counters()) {
            String value = counter.getId().getTag(tag);
            counts.merge((value != null) ? value : "", (long) counter.count(), Long::sum);
        }
        return counts;
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
