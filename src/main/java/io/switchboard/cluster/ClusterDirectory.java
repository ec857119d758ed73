package io.switchboard.cluster;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;
import io.switchboard.relay.Router;

/**
 * The operator's view of the whole cluster, for the admin API: every node's clients, and a
 * message, a broadcast or a disconnect for a client on any node. Questions to other nodes go
 * through their {@link NodeLink}s and wait at most {@code ack-timeout} for the answers; a node
 * that does not answer in time is named in the result rather than holding the operator up.
 * Runs on the admin API's request threads.
 */
public final class ClusterDirectory {

    /** A client of some node of the cluster, with the counters of ADMIN-API.md. */
    public record ClusterClient(long id, String node, String remoteAddress, Instant connectedAt, long messagesIn,
            long messagesOut, long bytesIn, long bytesOut, long queuedBytes, @Nullable String subject,
            boolean throttled) {
    }

    /**
     * One page of the cluster's clients by ascending ID.
     * @param clients at most the limit asked for
     * @param more whether a client with a higher ID than the last one here is connected
     * @param unanswered nodes that did not answer in time, whose clients are missing
     */
    public record ClientsPage(List<ClusterClient> clients, boolean more, List<String> unanswered) {
    }

    /**
     * What a node says of itself: the first of these that holds, in this order, as a node that
     * cannot reach Redis cannot read its inbox either, and one that reclaims IDs is joined.
     */
    public enum NodeState {
        /** It cannot reach Redis: it relays between its own clients only, and refuses new ones. */
        NOT_JOINED,
        /** Its last read of its inbox failed: messages, outcomes and questions from other nodes wait. */
        NOT_READING_INBOX,
        /** Redis lost its data and the nodes claim their clients' IDs again: no new client gets an ID meanwhile. */
        RECLAIMING_IDS,
        /** Joined, reading its inbox, handing out IDs. */
        READY
    }

    /**
     * One node's load as it answered: its state; its clients; its messages and payload bytes
     * received and delivered since it started (a rate is two of these apart); the payload bytes
     * it has queued; and, since it started, the ERRORs it sent by code, its evictions and refused
     * connections by reason, and the times its clients were throttled. The counts by code or
     * reason hold only those above zero, by name.
     */
    public record NodeLoad(String node, NodeState state, int clients, long messagesReceived, long messagesDelivered,
            long payloadReceived, long payloadDelivered, long queuedBytes, Map<String, Long> errors,
            Map<String, Long> evictions, Map<String, Long> refused, long throttled) {

        public NodeLoad {
            errors = nonZero(errors);
            evictions = nonZero(evictions);
            refused = nonZero(refused);
        }

        private static Map<String, Long> nonZero(Map<String, Long> counts) {
            Map<String, Long> kept = new TreeMap<>();
            counts.forEach((name, count) -> {
                if (count != 0) {
                    kept.put(name, count);
                }
            });
            return Collections.unmodifiableMap(kept);
        }
    }

    /** Every live node's load, this node's first, then by name; nodes that did not answer in time. */
    public record NodeLoads(List<NodeLoad> loads, List<String> unanswered) {
    }

    /** How many clients took a broadcast, and which nodes did not say. */
    public record BroadcastResult(int recipients, List<String> unanswered) {
    }

    /** The node holding a client did not answer within {@code ack-timeout}: whether the client is there is unknown. */
    public static final class NodeDidNotAnswerException extends RuntimeException {

        private final String node;

        NodeDidNotAnswerException(String node) {
            super("Node " + node + " did not answer in time");
            this.node = node;
        }

        /** The node that was asked. */
        public String node() {
            return this.node;
        }
    }

    private final LocalNode local;
    private final NodeLinks links;
    private final RemoteRouter remote;
    private final Router router;

    ClusterDirectory(LocalNode local, NodeLinks links, RemoteRouter remote, Router router) {
        this.local = local;
        this.links = links;
        this.remote = remote;
        this.router = router;
    }

    /** This node's name. */
    public String node() {
        return this.local.node();
    }

    /** The node holding client {@code id}, or empty when no node does (or Redis cannot say). */
    public Optional<String> nodeOf(long id) {
        int client = Wire.toId(id);
        if (this.local.holds(client)) {
            return Optional.of(node());
        }
        return Optional.ofNullable(this.remote.holderOf(client));
    }

    /** The load of every live node, asked at once; at most ack-timeout for the answers. */
    public NodeLoads loads() {
        List<NodeLoad> others = new ArrayList<>();
        Map<String, byte @Nullable []> answers = this.links.askAll(ClusterCodec.LOAD, new byte[0]);
        answers.forEach((from, answer) -> {
            if (answer != null) {
                others.add(ClusterCodec.readLoad(from, answer));
            }
        });
        others.sort(Comparator.comparing(NodeLoad::node));
        List<NodeLoad> loads = new ArrayList<>();
        loads.add(this.local.load());
        loads.addAll(others);
        return new NodeLoads(List.copyOf(loads), NodeLinks.unanswered(answers));
    }

    /** The clients of every node with an ID above {@code after}, at most {@code limit} of them. */
    public ClientsPage clients(long after, int limit) {
        List<ClusterClient> all = new ArrayList<>(this.local.clients(after, limit));
        Map<String, byte @Nullable []> answers = this.links.askAll(ClusterCodec.LIST, ClusterCodec.listRequest(after, limit));
        answers.forEach((from, answer) -> {
            if (answer != null) {
                all.addAll(ClusterCodec.readClients(from, answer));
            }
        });
        all.sort(Comparator.comparingLong(ClusterClient::id));
        boolean more = all.size() > limit;
        return new ClientsPage(more ? List.copyOf(all.subList(0, limit)) : List.copyOf(all), more,
                NodeLinks.unanswered(answers));
    }

    /**
     * One client, wherever it is connected.
     * @throws NodeDidNotAnswerException when the node holding it did not answer in time
     */
    public Optional<ClusterClient> client(long id) {
        int client = Wire.toId(id);
        Optional<ClusterClient> here = this.local.client(client);
        if (here.isPresent()) {
            return here;
        }
        String holder = this.remote.holderOf(client);
        if (holder == null) {
            return Optional.empty();
        }
        byte[] answer = this.links.ask(holder, ClusterCodec.GET, ClusterCodec.idBody(client));
        if (answer == null) {
            throw new NodeDidNotAnswerException(holder);
        }
        List<ClusterClient> found = ClusterCodec.readClients(holder, answer);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /**
     * Offers a message from the operator ({@code src} 0) to a client on any node.
     * @return as {@link Router#offer}: CLOSED when no node holds {@code id}; when QUEUED,
     *         {@code origin} learns whether it was written
     */
    public OfferResult send(long id, byte[] payload, MessageOrigin origin, long waitNanos) {
        int client = Wire.toId(id);
        OfferResult local = this.router.offer(client, Wire.OPERATOR_ID, payload, 0, payload.length, origin, 0, waitNanos);
        if (local != OfferResult.CLOSED || this.local.holds(client)) {
            return local;
        }
        return this.remote.offer(client, Wire.OPERATOR_ID, payload, 0, payload.length, origin, 0, waitNanos);
    }

    /**
     * Disconnects a client on any node; its queued messages end as DESTINATION_GONE.
     * @return false when no node holds {@code id}
     */
    public boolean disconnect(long id) {
        int client = Wire.toId(id);
        if (this.local.disconnect(client)) {
            return true;
        }
        String holder = this.remote.holderOf(client);
        return holder != null && this.links.link(holder).disconnect(client);
    }

    /** Sends {@code payload} from the operator to every client of the cluster whose queue has room now. */
    public BroadcastResult broadcast(byte[] payload) {
        int recipients = this.local.broadcast(payload);
        Map<String, byte @Nullable []> answers = this.links.askAll(ClusterCodec.BROADCAST, payload);
        for (byte[] answer : answers.values()) {
            if (answer != null) {
                recipients += ClusterCodec.readCount(answer);
            }
        }
        return new BroadcastResult(recipients, NodeLinks.unanswered(answers));
    }
}
