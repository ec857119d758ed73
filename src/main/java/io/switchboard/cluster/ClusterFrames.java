package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.switchboard.protocol.Wire;

/**
 * The binary records nodes write to each other's inbox streams. One stream entry is a header
 * (version, sender node, the sender's wall clock) and records, each starting with a type byte:
 *
 * <pre>
 * MESSAGE    | 1 | ticket: u64 | src: u32 | dest: u32 | length: u32 | payload |
 * OUTCOME    | 2 | ticket: u64 | status: u8 |          0 written, an ErrorCode, or 0xFF: every
 *                                                     message up to this ticket has been taken
 * DISCONNECT | 3 | id: u32 |
 * REQUEST    | 4 | request: u64 | kind: u8 | length: u32 | body |
 * REPLY      | 5 | request: u64 | length: u32 | body |
 * </pre>
 *
 * A ticket names one message among those its sender's node has in flight, so that the outcome
 * finds its way back to the sending client's seq. Tickets grow in the order messages are
 * appended for one node, so one "taken" outcome per entry read says that all of them were.
 */
final class ClusterFrames {

    static final byte VERSION = 1;
    static final byte MESSAGE = 1;
    static final byte OUTCOME = 2;
    static final byte DISCONNECT = 3;
    static final byte REQUEST = 4;
    static final byte REPLY = 5;

    static final int STATUS_WRITTEN = 0;
    static final int STATUS_TAKEN = 0xFF;

    static final int MESSAGE_HEADER_BYTES = 1 + 8 + 4 + 4 + 4;
    static final int OUTCOME_BYTES = 1 + 8 + 1;

    private ClusterFrames() {
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
            this.size = this.headerBytes;
            if (this.bytes.length > 1 << 20) {
                this.bytes = Arrays.copyOf(this.bytes, Math.max(256, this.headerBytes));
            }
            return entry;
        }
    }

    /** What a node does with the records of an entry from another node. */
    interface Handler {

        /** A message, {@code entry[offset, offset + length)}: valid during the call only. */
        default void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
        }

        /** A message too old to deliver: its sender has given it up, or is about to. */
        default void expired(String from, long ticket) {
        }

        /** The end of an entry whose last message had {@code lastTicket}. */
        default void messagesRead(String from, long lastTicket) {
        }

        default void outcome(String from, long ticket, int status) {
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
                case OUTCOME -> {
                    handler.outcome(from, Wire.getLong(entry, p + 1), entry[p + 9] & 0xFF);
                    p += OUTCOME_BYTES;
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
}
