package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.switchboard.cluster.ClusterDirectory.ClusterClient;
import io.switchboard.cluster.ClusterDirectory.NodeLoad;
import io.switchboard.cluster.ClusterDirectory.NodeState;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Every record and body nodes send each other, written and read back. */
class ClusterCodecTest {

    /** What a handler was called with, one line per record, in order. */
    private static class Recorder implements ClusterCodec.Handler {

        final List<String> calls = new ArrayList<>();

        @Override
        public void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
            this.calls.add("message " + from + " " + ticket + " " + Integer.toUnsignedString(src) + "->"
                    + Integer.toUnsignedString(dest) + " " + new String(entry, offset, length, StandardCharsets.UTF_8));
        }

        @Override
        public void run(String from, long firstTicket, int src, byte[] entry, int start, int end) {
            StringBuilder line = new StringBuilder("run " + from + " " + firstTicket + " " + Integer.toUnsignedString(src));
            for (int p = start; p < end; p += Wire.SEND_HEADER_BYTES + Wire.getInt(entry, p + 4)) {
                line.append(" ->").append(Integer.toUnsignedString(Wire.getInt(entry, p))).append(' ')
                        .append(new String(entry, p + Wire.SEND_HEADER_BYTES, Wire.getInt(entry, p + 4),
                                StandardCharsets.UTF_8));
            }
            this.calls.add(line.toString());
        }

        @Override
        public void written(String from, long firstTicket, int count) {
            this.calls.add("written " + from + " " + firstTicket + " " + count);
        }

        @Override
        public void expired(String from, long ticket) {
            this.calls.add("expired " + from + " " + ticket);
        }

        @Override
        public void messagesRead(String from, long lastTicket) {
            this.calls.add("read " + from + " " + lastTicket);
        }

        @Override
        public void outcome(String from, long ticket, int status) {
            this.calls.add("outcome " + from + " " + ticket + " " + status);
        }

        @Override
        public void disconnect(String from, int id) {
            this.calls.add("disconnect " + from + " " + Integer.toUnsignedString(id));
        }

        @Override
        public void request(String from, long request, byte kind, byte[] body) {
            this.calls.add("request " + from + " " + request + " " + kind + " " + new String(body, StandardCharsets.UTF_8));
        }

        @Override
        public void reply(String from, long request, byte[] body) {
            this.calls.add("reply " + from + " " + request + " " + new String(body, StandardCharsets.UTF_8));
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ClusterCodec.Builder everyRecord(String node) {
        ClusterCodec.Builder builder = new ClusterCodec.Builder(node);
        byte[] framed = utf8("..hello..");
        builder.message(7, 1, -2, framed, 2, 5);
        builder.outcome(3, ClusterCodec.STATUS_WRITTEN);
        builder.outcome(4, ClusterCodec.status(ErrorCode.DESTINATION_BUSY));
        builder.outcome(9, ClusterCodec.STATUS_TAKEN);
        builder.disconnect(-1);
        builder.request(11, ClusterCodec.LIST, utf8("q"));
        builder.reply(12, utf8("a"));
        builder.message(8, 0, 5, new byte[0], 0, 0);
        return builder;
    }

    @Test
    void everyRecordIsReadBackInOrderWithTheLastTicketAtTheEnd() {
        Recorder recorder = new Recorder();
        ClusterCodec.read(everyRecord("node-ä").take(), 60_000, recorder);
        assertThat(recorder.calls).containsExactly(
                "message node-ä 7 1->4294967294 hello",
                "outcome node-ä 3 0",
                "outcome node-ä 4 " + ErrorCode.DESTINATION_BUSY.code(),
                "outcome node-ä 9 255",
                "disconnect node-ä 4294967295",
                "request node-ä 11 1 q",
                "reply node-ä 12 a",
                "message node-ä 8 0->5 ",
                "read node-ä 8");
    }

    @Test
    void anEntryOlderThanTheMaximumAgeExpiresItsMessagesButKeepsItsOtherRecords() {
        Recorder recorder = new Recorder();
        ClusterCodec.read(everyRecord("a").take(), -1, recorder);
        assertThat(recorder.calls).containsExactly("expired a 7", "outcome a 3 0",
                "outcome a 4 " + ErrorCode.DESTINATION_BUSY.code(), "outcome a 9 255", "disconnect a 4294967295",
                "request a 11 1 q", "reply a 12 a", "expired a 8", "read a 8");
    }

    /** SEND frames as a client sends them: {@code | dest | length | payload |} each. */
    private static byte[] sends(int dest, String... texts) {
        byte[][] frames = new byte[texts.length + 2][];
        frames[0] = utf8("xx");
        for (int i = 0; i < texts.length; i++) {
            frames[i + 1] = TestClient.sendFrame(dest, utf8(texts[i]));
        }
        frames[texts.length + 1] = utf8("yy");
        return TestClient.frames(frames);
    }

    @Test
    void aRunKeepsItsFramesAndTicketsAndAWrittenRangeItsCount() {
        byte[] frames = sends(-3, "one", "", "three");
        ClusterCodec.Builder builder = new ClusterCodec.Builder("b");
        builder.run(40, -7, 3, frames, 2, frames.length - 2);
        builder.written(17, 64);
        builder.message(43, 1, 2, utf8("m"), 0, 1);
        builder.run(44, 1, 1, frames, 2, 2 + Wire.SEND_HEADER_BYTES + 3);
        Recorder recorder = new Recorder();
        ClusterCodec.read(builder.take(), 60_000, recorder);
        assertThat(recorder.calls).containsExactly("run b 40 4294967289 ->4294967293 one ->4294967293  ->4294967293 three",
                "written b 17 64", "message b 43 1->2 m", "run b 44 1 ->4294967293 one", "read b 44");

        builder.run(40, -7, 3, frames, 2, frames.length - 2);
        builder.written(17, 64);
        Recorder stale = new Recorder();
        ClusterCodec.read(builder.take(), -1, stale);
        assertThat(stale.calls).as("every message of a stale run expires")
                .containsExactly("expired b 40", "expired b 41", "expired b 42", "written b 17 64", "read b 42");
    }

    @Test
    void anEntryWithoutMessagesReportsNoneRead() {
        ClusterCodec.Builder builder = new ClusterCodec.Builder("a");
        assertThat(builder.isEmpty()).isTrue();
        builder.disconnect(3);
        assertThat(builder.isEmpty()).isFalse();
        Recorder recorder = new Recorder();
        ClusterCodec.read(builder.take(), 60_000, recorder);
        assertThat(recorder.calls).containsExactly("disconnect a 3");
        assertThat(builder.isEmpty()).as("take empties the builder").isTrue();
    }

    @Test
    void aBuilderGrowsPastItsFirstArrayAndShrinksAfterALargeEntry() {
        ClusterCodec.Builder builder = new ClusterCodec.Builder("a");
        byte[] big = new byte[(1 << 20) + 1];
        builder.message(1, 1, 2, big, 0, big.length);
        Recorder sizes = new Recorder() {
            @Override
            public void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
                this.calls.add(Integer.toString(length));
            }
        };
        ClusterCodec.read(builder.take(), 60_000, sizes);
        assertThat(sizes.calls).containsExactly(Integer.toString(big.length), "read a 1");
        assertThat(builder.bytes.length).isLessThan(1 << 20);
    }

    @Test
    void malformedEntriesAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClusterCodec.read(new byte[] { ClusterCodec.VERSION - 1, 0 }, 1000, new Recorder()));
        byte[] entry = new ClusterCodec.Builder("a").take();
        byte[] unknownType = java.util.Arrays.copyOf(entry, entry.length + 1);
        unknownType[entry.length] = 42;
        assertThatIllegalArgumentException().isThrownBy(() -> ClusterCodec.read(unknownType, 1000, new Recorder()))
                .withMessageContaining("42");
    }

    @Test
    void statusesMapToTheirErrorsAndAnUnknownOneToGone() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ClusterCodec.failure(ClusterCodec.status(code))).isEqualTo(code);
        }
        assertThat(ClusterCodec.failure(200)).isEqualTo(ErrorCode.DESTINATION_GONE);
    }

    @Test
    void requestBodiesRoundTrip() {
        ClusterCodec.ListRequest list = ClusterCodec.readListRequest(ClusterCodec.listRequest(4_294_967_295L, 500));
        assertThat(list).isEqualTo(new ClusterCodec.ListRequest(4_294_967_295L, 500));
        assertThat(ClusterCodec.readId(ClusterCodec.idBody(-7))).isEqualTo(-7);
        assertThat(ClusterCodec.readCount(ClusterCodec.countBody(123_456))).isEqualTo(123_456);
    }

    @Test
    void aLoadRoundTripsUnderTheAnsweringNodesName() {
        NodeLoad load = new NodeLoad("b", NodeState.READY, 3, 1L << 40, 5, 6, 7, 8, Map.of(), Map.of(), Map.of(), 9);
        assertThat(ClusterCodec.readLoad("b", ClusterCodec.loadBody(load))).isEqualTo(load);
    }

    @Test
    void aLoadRoundTripsWithItsStateAndItsCountsByCodeAndReasonLeavingOutZeros() {
        for (NodeState state : NodeState.values()) {
            NodeLoad load = new NodeLoad("b", state, Integer.MAX_VALUE, 1, 2, 3L << 33, 4, 5,
                    Map.of("UNKNOWN_DESTINATION", 12L, "DESTINATION_BUSY", 1L << 35, "FORBIDDEN", 0L),
                    Map.of("slow-consumer", 2L, "memory", 0L), Map.of("max-clients", 1L, "per-address", 3L, "é", 4L),
                    6);
            byte[] body = ClusterCodec.loadBody(load);
            NodeLoad read = ClusterCodec.readLoad("b", body);
            assertThat(read).isEqualTo(load);
            assertThat(read.state()).isEqualTo(state);
            assertThat(read.errors()).containsExactly(Map.entry("DESTINATION_BUSY", 1L << 35),
                    Map.entry("UNKNOWN_DESTINATION", 12L));
            assertThat(read.evictions()).containsExactly(Map.entry("slow-consumer", 2L));
            // Fixed part, then each name once with its count; the zeros are not sent.
            int names = "DESTINATION_BUSY".length() + "UNKNOWN_DESTINATION".length() + "slow-consumer".length()
                    + "max-clients".length() + "per-address".length() + "é".getBytes(StandardCharsets.UTF_8).length;
            assertThat(body).hasSize(1 + 4 + 6 * 8 + 3 + 6 * (1 + 8) + names);
        }
    }

    @Test
    void clientsRoundTripWithEveryFieldAndWithoutOrWithAnEmptySubject() {
        List<ClusterClient> clients = List.of(
                new ClusterClient(4_294_967_295L, "b", "[::1]:5000", Instant.parse("2026-11-30T12:00:00.123456789Z"), 1,
                        2, 3, 4, 5, "alice ✓", true),
                new ClusterClient(1, "b", "127.0.0.1:1", Instant.EPOCH, 0, 0, 0, 0, 0, null, false),
                new ClusterClient(2, "b", "", Instant.EPOCH, 0, 0, 0, 0, 0, "", false));
        assertThat(ClusterCodec.readClients("b", ClusterCodec.clientsBody(clients))).isEqualTo(clients);
        assertThat(ClusterCodec.readClients("b", ClusterCodec.clientsBody(List.of()))).isEmpty();
    }
}
