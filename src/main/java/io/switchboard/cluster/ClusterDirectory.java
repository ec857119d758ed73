package io.switchboard.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;
import io.switchboard.relay.Router;

/**
 * The operator's view of the whole cluster, for the admin API: every node's clients, and a
 * message, a broadcast or a disconnect for a client on any node. Questions to other nodes go
 * through their inboxes and wait at most {@code ack-timeout} for the answers; a node that does
 * not answer in time is named in the result rather than holding the operator up.
 */
public final class ClusterDirectory {

    private static final Log logger = LogFactory.getLog(ClusterDirectory.class);

    private static final byte LIST = 1;
    private static final byte GET = 2;
    private static final byte BROADCAST = 3;
    private static final byte TAKEN_OVER = 4;
    private static final byte LOAD = 5;

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
     * One node's load as it answered: its clients, its messages received and delivered since it
     * started (a rate is two of these apart), and the payload bytes it has queued.
     */
    public record NodeLoad(String node, int clients, long messagesReceived, long messagesDelivered, long queuedBytes) {
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

    private final RedisBackplane backplane;
    private final RemoteRouter remote;
    private final MeterRegistry meters;
    private final ClientRegistry registry;
    private final Router router;
    private final Supplier<Set<String>> liveNodes;
    private final Duration timeout;
    private final AtomicLong requests = new AtomicLong();
    private final ConcurrentHashMap<Long, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();

    ClusterDirectory(RedisBackplane backplane, RemoteRouter remote, ClientRegistry registry, Router router,
            Supplier<Set<String>> liveNodes, Duration timeout, MeterRegistry meters) {
        this.backplane = backplane;
        this.remote = remote;
        this.meters = meters;
        this.registry = registry;
        this.router = router;
        this.liveNodes = liveNodes;
        this.timeout = timeout;
    }

    /** This node's name. */
    public String node() {
        return this.backplane.node();
    }

    /** The node holding client {@code id}, or empty when no node does (or Redis cannot say). */
    public Optional<String> nodeOf(long id) {
        int client = Wire.toId(id);
        if (this.registry.get(client) != null) {
            return Optional.of(node());
        }
        return Optional.ofNullable(this.remote.holderOf(client));
    }

    /** The load of every live node, asked at once; at most ack-timeout for the answers. */
    public NodeLoads loads() {
        List<NodeLoad> others = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        askAll(this.liveNodes.get(), LOAD, new byte[0]).forEach((from, answer) -> {
            if (answer == null) {
                unanswered.add(from);
            }
            else {
                ByteBuffer in = ByteBuffer.wrap(answer);
                others.add(new NodeLoad(from, in.getInt(), in.getLong(), in.getLong(), in.getLong()));
            }
        });
        others.sort(Comparator.comparing(NodeLoad::node));
        unanswered.sort(Comparator.naturalOrder());
        List<NodeLoad> loads = new ArrayList<>();
        loads.add(localLoad());
        loads.addAll(others);
        return new NodeLoads(List.copyOf(loads), List.copyOf(unanswered));
    }

    private NodeLoad localLoad() {
        long queued = 0;
        for (ClientSession session : this.registry.all()) {
            queued += session.queuedBytes();
        }
        return new NodeLoad(node(), this.registry.size(), counted("switchboard.messages.received"),
                counted("switchboard.messages.delivered"), queued);
    }

    private long counted(String counter) {
        Counter found = this.meters.find(counter).counter();
        return (found != null) ? (long) found.count() : 0;
    }

    /** The clients of every node with an ID above {@code after}, at most {@code limit} of them. */
    public ClientsPage clients(long after, int limit) {
        List<ClusterClient> all = new ArrayList<>(local(after, limit));
        ByteBuffer body = ByteBuffer.allocate(12).putLong(after).putInt(limit);
        Map<String, byte[]> answers = askAll(this.liveNodes.get(), LIST, body.array());
        List<String> unanswered = new ArrayList<>();
        answers.forEach((from, answer) -> {
            if (answer == null) {
                unanswered.add(from);
            }
            else {
                all.addAll(decodeClients(from, answer));
            }
        });
        all.sort(Comparator.comparingLong(ClusterClient::id));
        boolean more = all.size() > limit;
        return new ClientsPage(more ? List.copyOf(all.subList(0, limit)) : List.copyOf(all), more, unanswered);
    }

    /**
     * One client, wherever it is connected.
     * @throws NodeDidNotAnswerException when the node holding it did not answer in time
     */
    public Optional<ClusterClient> client(long id) {
        int client = Wire.toId(id);
        ClientSession session = this.registry.get(client);
        if (session != null) {
            return Optional.of(describe(node(), session));
        }
        String holder = this.remote.holderOf(client);
        if (holder == null) {
            return Optional.empty();
        }
        byte[] answer = ask(holder, GET, ByteBuffer.allocate(4).putInt(client).array());
        if (answer == null) {
            throw new NodeDidNotAnswerException(holder);
        }
        List<ClusterClient> found = decodeClients(holder, answer);
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
        if (local != OfferResult.CLOSED || this.registry.get(client) != null) {
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
        if (disconnectLocal(client)) {
            return true;
        }
        String holder = this.remote.holderOf(client);
        return holder != null && this.remote.outbox(holder).disconnect(client);
    }

    /** Sends {@code payload} from the operator to every client of the cluster whose queue has room now. */
    public BroadcastResult broadcast(byte[] payload) {
        int recipients = broadcastLocal(payload);
        List<String> unanswered = new ArrayList<>();
        for (Map.Entry<String, byte[]> answer : askAll(this.liveNodes.get(), BROADCAST, payload).entrySet()) {
            if (answer.getValue() == null) {
                unanswered.add(answer.getKey());
            }
            else {
                recipients += ByteBuffer.wrap(answer.getValue()).getInt();
            }
        }
        return new BroadcastResult(recipients, unanswered);
    }

    /**
     * A stable ID was taken over by a new connection of this node: every other node learns that
     * the ID is here now, and the one that had a client with it disconnects that client. Waits
     * for their answers, up to {@code ack-timeout}.
     * @return the nodes that did not answer in time
     */
    List<String> takenOver(int id) {
        List<String> unanswered = new ArrayList<>();
        askAll(this.liveNodes.get(), TAKEN_OVER, ByteBuffer.allocate(4).putInt(id).array()).forEach((node, answer) -> {
            if (answer == null) {
                unanswered.add(node);
            }
        });
        return unanswered;
    }

    boolean disconnectLocal(int id) {
        ClientSession session = this.registry.get(id);
        if (session == null) {
            return false;
        }
        session.disconnect();
        return true;
    }

    private int broadcastLocal(byte[] payload) {
        return this.router.broadcast(Wire.OPERATOR_ID, payload, MessageOrigin.NONE);
    }

    /** Answers a question from another node, on the inbox thread: nothing here waits. */
    void answer(String from, long request, byte kind, byte[] body) {
        byte[] reply;
        switch (kind) {
            case LIST -> {
                ByteBuffer in = ByteBuffer.wrap(body);
                reply = encodeClients(local(in.getLong(), in.getInt()));
            }
            case GET -> {
                ClientSession session = this.registry.get(ByteBuffer.wrap(body).getInt());
                reply = encodeClients((session == null) ? List.of() : List.of(describe(node(), session)));
            }
            case BROADCAST -> reply = ByteBuffer.allocate(4).putInt(broadcastLocal(body)).array();
            case LOAD -> {
                NodeLoad load = localLoad();
                reply = ByteBuffer.allocate(4 + 3 * 8).putInt(load.clients()).putLong(load.messagesReceived())
                        .putLong(load.messagesDelivered()).putLong(load.queuedBytes()).array();
            }
            case TAKEN_OVER -> {
                int id = ByteBuffer.wrap(body).getInt();
                this.remote.movedTo(id, from);
                // Its close routes what it read and ends what was queued for it as DESTINATION_GONE.
                disconnectLocal(id);
                reply = new byte[0];
            }
            default -> {
                logger.warn("Unknown request kind " + kind + " from node " + from);
                return;
            }
        }
        this.remote.outbox(from).reply(request, reply);
    }

    void replied(String from, long request, byte[] body) {
        CompletableFuture<byte[]> answer = this.waiting.remove(request);
        if (answer != null) {
            answer.complete(body);
        }
    }

    private @Nullable byte[] ask(String node, byte kind, byte[] body) {
        return askAll(Set.of(node), kind, body).get(node);
    }

    /** One request to another node, and where its answer arrives. */
    private record Question(long request, CompletableFuture<byte[]> answer) {
    }

    /** @return each node's answer, null for a node that did not answer in time or has left */
    private Map<String, byte[]> askAll(Set<String> nodes, byte kind, byte[] body) {
        Map<String, Question> asked = new HashMap<>();
        for (String node : nodes) {
            Question question = new Question(this.requests.incrementAndGet(), new CompletableFuture<>());
            this.waiting.put(question.request(), question.answer());
            asked.put(node, question);
            if (!this.remote.outbox(node).request(question.request(), kind, body)) {
                // The node has left: no answer will come, so none is waited for.
                question.answer().complete(null);
            }
        }
        long deadline = System.nanoTime() + this.timeout.toNanos();
        Map<String, byte[]> result = new HashMap<>();
        for (Map.Entry<String, Question> question : asked.entrySet()) {
            byte[] answer = null;
            try {
                answer = question.getValue().answer().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (TimeoutException | ExecutionException ex) {
                logger.info("Node " + question.getKey() + " did not answer in time");
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            this.waiting.remove(question.getValue().request());
            result.put(question.getKey(), answer);
        }
        return result;
    }

    private List<ClusterClient> local(long after, int limit) {
        List<ClusterClient> clients = new ArrayList<>();
        for (ClientSession session : this.registry.pageAfter(after, limit)) {
            clients.add(describe(node(), session));
        }
        return clients;
    }

    private static ClusterClient describe(String node, ClientSession session) {
        return new ClusterClient(session.idAsLong(), node, session.remoteAddress(), session.connectedAt(),
                session.messagesIn(), session.messagesOut(), session.bytesIn(), session.bytesOut(),
                session.queuedBytes(), session.subject(), session.isThrottled());
    }

    private static byte[] encodeClients(List<ClusterClient> clients) {
        int size = 4;
        List<byte[]> addresses = new ArrayList<>();
        List<byte[]> subjects = new ArrayList<>();
        for (ClusterClient client : clients) {
            byte[] address = client.remoteAddress().getBytes(StandardCharsets.UTF_8);
            byte[] subject = (client.subject() == null) ? null : client.subject().getBytes(StandardCharsets.UTF_8);
            addresses.add(address);
            subjects.add(subject);
            size += 4 + 2 + address.length + 8 + 4 + 5 * 8 + 4 + ((subject == null) ? 0 : subject.length) + 1;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(clients.size());
        for (int i = 0; i < clients.size(); i++) {
            ClusterClient client = clients.get(i);
            byte[] address = addresses.get(i);
            byte[] subject = subjects.get(i);
            out.putInt((int) client.id()).putShort((short) address.length).put(address)
                    .putLong(client.connectedAt().getEpochSecond()).putInt(client.connectedAt().getNano())
                    .putLong(client.messagesIn()).putLong(client.messagesOut()).putLong(client.bytesIn())
                    .putLong(client.bytesOut()).putLong(client.queuedBytes());
            // A subject's length, -1 for none: a token's sub may be long, and empty is not none.
            out.putInt((subject == null) ? -1 : subject.length);
            if (subject != null) {
                out.put(subject);
            }
            out.put((byte) (client.throttled() ? 1 : 0));
        }
        return out.array();
    }

    private static List<ClusterClient> decodeClients(String node, byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        int count = in.getInt();
        List<ClusterClient> clients = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long id = Integer.toUnsignedLong(in.getInt());
            byte[] address = new byte[in.getShort() & 0xFFFF];
            in.get(address);
            Instant connectedAt = Instant.ofEpochSecond(in.getLong(), in.getInt());
            long messagesIn = in.getLong();
            long messagesOut = in.getLong();
            long bytesIn = in.getLong();
            long bytesOut = in.getLong();
            long queuedBytes = in.getLong();
            int subjectLength = in.getInt();
            String subject = null;
            if (subjectLength >= 0) {
                byte[] bytes = new byte[subjectLength];
                in.get(bytes);
                subject = new String(bytes, StandardCharsets.UTF_8);
            }
            boolean throttled = in.get() != 0;
            clients.add(new ClusterClient(id, node, new String(address, StandardCharsets.UTF_8), connectedAt, messagesIn,
                    messagesOut, bytesIn, bytesOut, queuedBytes, subject, throttled));
        }
        return clients;
    }

}
