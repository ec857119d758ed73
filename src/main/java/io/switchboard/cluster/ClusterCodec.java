package io.switchboard.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.switchboard.cluster.ClusterDirectory.ClusterClient;
import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeState;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;

/**
 * Every byte format nodes send each other, in one place: the records of the inbox streams, the
 * outcome statuses, and the bodies of requests and replies.
 *
 * <p>The binary records nodes write to each other's inbox streams. One stream entry is a header
 * (version, sender node, the sender's wall clock) and records, each starting with a type byte:
 *
 * <pre>
 * MESSAGE    | 1 | ticket: u64 | src: u32 | dest: u32 | length: u32 | payload |
 * OUTCOME    | 2 | ticket: u64 | status: u8 |          0 written, an ErrorCode, or 0xFF: every
 *                                                     message up to this ticket has been taken
 * DISCONNECT | 3 | id: u32 |
 * REQUEST    | 4 | request: u64 | kind: u8 | length: u32 | body |
 * REPLY      | 5 | request: u64 | length: u32 | body |
 * RUN        | 6 | first ticket: u64 | src: u32 | count: u32 | length: u32 | count SEND frames |
 * WRITTEN    | 7 | first ticket: u64 | count: u32 |     the messages of count tickets from the
 *                                                     first were all written
 * </pre>
 *
 * A ticket names one message among those its sender's node has in flight, so that the outcome
 * finds its way back to the sending client's seq. Tickets grow in the order messages are
 * appended for one node, so one "taken" outcome per entry read says that all of them were. A
 * RUN is a burst of one client's messages, its SEND frames as the client sent them
 * ({@code | dest: u32 | length: u32 | payload |}), with consecutive tickets; WRITTEN confirms
 * consecutive tickets at once. Version 2 added them; nodes of one build read each other's.
 */
final class ClusterCodec {

    static final byte VERSION = 2;
    static final byte MESSAGE = 1;
    static final byte OUTCOME = 2;
    static final byte DISCONNECT = 3;
    static final byte REQUEST = 4;
    static final byte REPLY = 5;
    static final byte RUN = 6;
    static final byte WRITTEN = 7;

    static final int STATUS_WRITTEN = 0;
    static final int STATUS_TAKEN = 0xFF;

    /** Kinds of REQUEST, each answered with one REPLY (see the body methods below). */
    static final byte LIST = 1;
    static final byte GET = 2;
    static final byte BROADCAST = 3;
    static final byte TAKEN_OVER = 4;
    static final byte LOAD = 5;

    static final int MESSAGE_HEADER_BYTES = 1 + 8 + 4 + 4 + 4;
    static final int OUTCOME_BYTES = 1 + 8 + 1;
    static final int RUN_HEADER_BYTES = 1 + 8 + 4 + 4 + 4;
    static final int WRITTEN_BYTES = 1 + 8 + 4;

    private ClusterCodec() {
    }

    /** A growable buffer of records behind a header naming {@code node}. */
    static final class Builder {

        private final int headerBytes;
        byte[] bytes;
        int size;

        Builder(String node) {
            byte[] name = node.getBytes(StandardCharsets.UTF_8);
            this.headerBytes = 1 + 1 + name.length + 8;
            this.bytes = new byte[Math.max(256, this.headerBytes)];
            this.bytes[0] = VERSION;
            this.bytes[1] = (byte) name.length;
            System.arraycopy(name, 0, this.bytes, 2, name.length);
            this.size = this.headerBytes;
        }

        boolean isEmpty() {
            return this.size == this.headerBytes;
        }

        private int reserve(int n) {
            int at = this.size;
            if (at + n > this.bytes.length) {
                this.bytes = Arrays.copyOf(this.bytes, Math.max(at + n, this.bytes.length * 2));
            }
            this.size = at + n;
            return at;
        }

        void message(long ticket, int src, int dest, byte[] payload, int offset, int length) {
            int at = reserve(MESSAGE_HEADER_BYTES + length);
            this.bytes[at] = MESSAGE;
            Wire.putLong(this.bytes, at + 1, ticket);
            Wire.putInt(this.bytes, at + 9, src);
            Wire.putInt(this.bytes, at + 13, dest);
            Wire.putInt(this.bytes, at + 17, length);
            System.arraycopy(payload, offset, this.bytes, at + MESSAGE_HEADER_BYTES, length);
        }

        /** A run of {@code count} SEND frames, {@code frames[from, end)}, with tickets from {@code firstTicket}. */
        void run(long firstTicket, int src, int count, byte[] frames, int from, int end) {
            int length = end - from;
            int at = reserve(RUN_HEADER_BYTES + length);
            this.bytes[at] = RUN;
            Wire.putLong(this.bytes, at + 1, firstTicket);
            Wire.putInt(this.bytes, at + 9, src);
            Wire.putInt(this.bytes, at + 13, count);
            Wire.putInt(this.bytes, at + 17, length);
            System.arraycopy(frames, from, this.bytes, at + RUN_HEADER_BYTES, length);
        }

        void written(long firstTicket, int count) {
            int at = reserve(WRITTEN_BYTES);
            this.bytes[at] = WRITTEN;
            Wire.putLong(this.bytes, at + 1, firstTicket);
            Wire.putInt(this.bytes, at + 9, count);
        }

        void outcome(long ticket, int status) {
            int at = reserve(OUTCOME_BYTES);
            this.bytes[at] = OUTCOME;
            Wire.putLong(this.bytes, at + 1, ticket);
            this.bytes[at + 9] = (byte) status;
        }

        void disconnect(int id) {
            int at = reserve(5);
            this.bytes[at] = DISCONNECT;
            Wire.putInt(this.bytes, at + 1, id);
        }

        void request(long request, byte kind, byte[] body) {
            int at = reserve(1 + 8 + 1 + 4 + body.length);
            this.bytes[at] = REQUEST;
            Wire.putLong(this.bytes, at + 1, request);
            this.bytes[at + 9] = kind;
            Wire.putInt(this.bytes, at + 10, body.length);
            System.arraycopy(body, 0, this.bytes, at + 14, body.length);
        }

        void reply(long request, byte[] body) {
            int at = reserve(1 + 8 + 4 + body.length);
            this.bytes[at] = REPLY;
            Wire.putLong(this.bytes, at + 1, request);
            Wire.putInt(this.bytes, at + 9, body.length);
            System.arraycopy(body, 0, this.bytes, at + 13, body.length);
        }

        /** The entry to append, stamped with the time now; the builder is empty again after. */
        byte[] take() {
            Wire.putLong(this.bytes, this.headerBytes - 8, System.currentTimeMillis());
            byte[] entry = Arrays.copyOf(this.bytes, this.size);
            clear();
            return entry;
        }

        /** Drops the records gathered so far, and an array grown large for them. */
        void clear() {
            this.size = this.headerBytes;
            if (this.bytes.length > 1 << 20) {
                this.bytes = Arrays.copyOf(this.bytes, Math.max(256, this.headerBytes));
            }
        }
    }

    /** What a node does with the records of an entry from another node. */
    interface Handler {

        /** A message, {@code entry[offset, offset + length)}: valid during the call only. */
        default void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
        }

        /**
         * A run of one sender's messages with consecutive tickets from {@code firstTicket}, SEND
         * frames in {@code entry[from, end)}: valid during the call only.
         */
        default void run(String from, long firstTicket, int src, byte[] entry, int start, int end) {
        }

        /** A message too old to deliver: its sender has given it up, or is about to. */
        default void expired(String from, long ticket) {
        }

        /** The end of an entry whose last message had {@code lastTicket}. */
        default void messagesRead(String from, long lastTicket) {
        }

        default void outcome(String from, long ticket, int status) {
        }

        /** The messages of {@code count} tickets from {@code firstTicket} were all written. */
        default void written(String from, long firstTicket, int count) {
        }

        default void disconnect(String from, int id) {
        }

        default void request(String from, long request, byte kind, byte[] body) {
        }

        default void reply(String from, long request, byte[] body) {
        }
    }

    /**
     * Reads an entry and hands its records to {@code handler}; its messages are expired rather
     * than delivered when it is older than {@code maxAgeMillis}.
     * @throws IllegalArgumentException when the entry is malformed
     */
    static void read(byte[] entry, long maxAgeMillis, Handler handler) {
        if (entry.length < 2 || entry[0] != VERSION) {
            throw new IllegalArgumentException("not a version " + VERSION + " entry");
        }
        int nameLength = entry[1] & 0xFF;
        String from = new String(entry, 2, nameLength, StandardCharsets.UTF_8);
        int p = 2 + nameLength;
        long sentAt = Wire.getLong(entry, p);
        p += 8;
        boolean stale = System.currentTimeMillis() - sentAt > maxAgeMillis;
        long lastTicket = -1;
        while (p < entry.length) {
            byte type = entry[p];
            switch (type) {
                case MESSAGE -> {
                    int length = Wire.getInt(entry, p + 17);
                    lastTicket = Wire.getLong(entry, p + 1);
                    if (stale) {
                        handler.expired(from, lastTicket);
                    }
                    else {
                        handler.message(from, lastTicket, Wire.getInt(entry, p + 9), Wire.getInt(entry, p + 13),
                                entry, p + MESSAGE_HEADER_BYTES, length);
                    }
                    p += MESSAGE_HEADER_BYTES + length;
                }
                case RUN -> {
                    long first = Wire.getLong(entry, p + 1);
                    int count = Wire.getInt(entry, p + 13);
                    int length = Wire.getInt(entry, p + 17);
                    int start = p + RUN_HEADER_BYTES;
                    if (count <= 0 || length < 0 || start + length > entry.length) {
                        throw new IllegalArgumentException("a malformed run from " + from);
                    }
                    if (stale) {
                        for (int i = 0; i < count; i++) {
                            handler.expired(from, first + i);
                        }
                    }
                    else {
                        handler.run(from, first, Wire.getInt(entry, p + 9), entry, start, start + length);
                    }
                    lastTicket = first + count - 1;
                    p = start + length;
                }
                case OUTCOME -> {
                    handler.outcome(from, Wire.getLong(entry, p + 1), entry[p + 9] & 0xFF);
                    p += OUTCOME_BYTES;
                }
                case WRITTEN -> {
                    handler.written(from, Wire.getLong(entry, p + 1), Wire.getInt(entry, p + 9));
                    p += WRITTEN_BYTES;
                }
                case DISCONNECT -> {
                    handler.disconnect(from, Wire.getInt(entry, p + 1));
                    p += 5;
                }
                case REQUEST -> {
                    int length = Wire.getInt(entry, p + 10);
                    handler.request(from, Wire.getLong(entry, p + 1), entry[p + 9],
                            Arrays.copyOfRange(entry, p + 14, p + 14 + length));
                    p += 14 + length;
                }
                case REPLY -> {
                    int length = Wire.getInt(entry, p + 9);
                    handler.reply(from, Wire.getLong(entry, p + 1), Arrays.copyOfRange(entry, p + 13, p + 13 + length));
                    p += 13 + length;
                }
                default -> throw new IllegalArgumentException("unknown record type " + type + " from " + from);
            }
        }
        if (lastTicket >= 0) {
            handler.messagesRead(from, lastTicket);
        }
    }

    /** The status byte of an OUTCOME for a message that failed with {@code code}. */
    static int status(ErrorCode code) {
        return code.code();
    }

    /**
     * The ERROR a failure status stands for; DESTINATION_GONE for a status this version does not
     * know, as the message is lost to its sender either way.
     */
    static ErrorCode failure(int status) {
        ErrorCode code = ErrorCode.fromCode(status);
        return (code != null) ? code : ErrorCode.DESTINATION_GONE;
    }

    /** LIST: the clients with an ID above {@code after}, at most {@code limit}. */
    static byte[] listRequest(long after, int limit) {
        return ByteBuffer.allocate(12).putLong(after).putInt(limit).array();
    }

    /** A LIST request's ID to start after and limit. */
    record ListRequest(long after, int limit) {
    }

    static ListRequest readListRequest(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        return new ListRequest(in.getLong(), in.getInt());
    }

    /** GET and TAKEN_OVER: one client ID. */
    static byte[] idBody(int id) {
        return ByteBuffer.allocate(4).putInt(id).array();
    }

    static int readId(byte[] body) {
        return ByteBuffer.wrap(body).getInt();
    }

    /** A BROADCAST's reply: how many clients took it. */
    static byte[] countBody(int count) {
        return ByteBuffer.allocate(4).putInt(count).array();
    }

    static int readCount(byte[] body) {
        return ByteBuffer.wrap(body).getInt();
    }

    /**
     * A LOAD's reply; the node's name is the link's, not in the body:
     * <pre>
     * | state: u8 | clients: u32 | messages received, delivered: u64 | payload received, delivered: u64 |
     * | queued bytes: u64 | throttled: u64 | ERRORs by code | evictions by reason | refused by reason |
     * </pre>
     * each "by" a count (u8) of names with a count above zero: {@code | length: u8 | UTF-8 | count: u64 |}.
     * The state is {@link NodeState}'s ordinal: only nodes of one build read each other's.
     */
    static byte[] loadBody(NodeLoad load) {
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + 6 * 8 + tallySize(load.errors()) + tallySize(load.evictions())
                + tallySize(load.refused()))
                .put((byte) load.state().ordinal()).putInt(load.clients()).putLong(load.messagesReceived())
                .putLong(load.messagesDelivered()).putLong(load.payloadReceived()).putLong(load.payloadDelivered())
                .putLong(load.queuedBytes()).putLong(load.throttled());
        putTally(out, load.errors());
        putTally(out, load.evictions());
        putTally(out, load.refused());
        return out.array();
    }

    static NodeLoad readLoad(String node, byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        NodeState state = NodeState.values()[in.get()];
        int clients = in.getInt();
        long messagesReceived = in.getLong();
        long messagesDelivered = in.getLong();
        long payloadReceived = in.getLong();
        long payloadDelivered = in.getLong();
        long queuedBytes = in.getLong();
        long throttled = in.getLong();
        Map<String, Long> errors = readTally(in);
        Map<String, Long> evictions = readTally(in);
        Map<String, Long> refused = readTally(in);
        return new NodeLoad(node, state, clients, messagesReceived, messagesDelivered, payloadReceived,
                payloadDelivered, queuedBytes, errors, evictions, refused, throttled);
    }

    /** Codes and reasons are a few words of the relay's enums: a byte holds their number and each one's length. */
    private static int tallySize(Map<String, Long> counts) {
        if (counts.size() > 255) {
            throw new IllegalArgumentException("over 255 names: " + counts.keySet());
        }
        int size = 1;
        for (String name : counts.keySet()) {
            int length = name.getBytes(StandardCharsets.UTF_8).length;
            if (length > 255) {
                throw new IllegalArgumentException("a name over 255 bytes: " + name);
            }
            size += 1 + length + 8;
        }
        return size;
    }

    private static void putTally(ByteBuffer out, Map<String, Long> counts) {
        out.put((byte) counts.size());
        counts.forEach((name, count) -> {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            out.put((byte) bytes.length).put(bytes).putLong(count);
        });
    }

    private static Map<String, Long> readTally(ByteBuffer in) {
        int size = in.get() & 0xFF;
        Map<String, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            byte[] name = new byte[in.get() & 0xFF];
            in.get(name);
            counts.put(new String(name, StandardCharsets.UTF_8), in.getLong());
        }
        return counts;
    }

    /** A LIST or GET reply: clients, each with every field of ADMIN-API.md but its node (the link's). */
    static byte[] clientsBody(List<ClusterClient> clients) {
        int size = 4;
        List<byte[]> addresses = new ArrayList<>();
        List<byte @Nullable []> subjects = new ArrayList<>();
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

    static List<ClusterClient> readClients(String node, byte[] body) {
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
