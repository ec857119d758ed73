package io.switchboard.relay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Message;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** DELIVERs from one sender to one destination keep the order of the SENDs (PROTOCOL.md section 4.2). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayOrderTest extends RelayTestSupport {

    @Test
    void tenThousandMessagesFromOneSenderArriveInOrder() throws Exception {
        int count = 10_000;
        TestClient sender = connect();
        TestClient receiver = connect();
        Future<Void> sending = background(() -> {
            for (int i = 1; i <= count; i++) {
                sender.send(receiver.id(), TaggedPayload.of(sender.id(), i, 12 + i % 40));
            }
            return null;
        });
        for (long expected = 1; expected <= count; expected++) {
            Message deliver = receiver.readDeliver();
            assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(sender.id()));
            assertThat(TaggedPayload.isIntact(deliver.payload())).isTrue();
            assertThat(TaggedPayload.seq(deliver.payload())).isEqualTo(expected);
        }
        result(sending);
    }

    @Test
    void eachOfSeveralConcurrentSendersKeepsItsOrder() throws Exception {
        int senders = 4;
        int perSender = 2500;
        TestClient receiver = connect();
        List<TestClient> clients = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            clients.add(connect());
        }
        List<Future<Void>> sending = new ArrayList<>();
        for (TestClient sender : clients) {
            sending.add(background(() -> {
                // Frames in writes of 1 to 7, so that the senders' reads interleave differently.
                for (int i = 1; i <= perSender; ) {
                    List<byte[]> frames = new ArrayList<>();
                    for (int k = 0; k < 1 + i % 7 && i <= perSender; k++, i++) {
                        frames.add(TestClient.sendFrame(receiver.id(), TaggedPayload.of(sender.id(), i, 12 + i % 100)));
                    }
                    sender.writeRaw(TestClient.frames(frames.toArray(byte[][]::new)));
                }
                return null;
            }));
        }
        Map<Integer, Long> lastSeq = new HashMap<>();
        for (TestClient sender : clients) {
            lastSeq.put(sender.id(), 0L);
        }
        for (int n = 0; n < senders * perSender; n++) {
            Message deliver = receiver.readDeliver();
            assertThat(TaggedPayload.isIntact(deliver.payload())).isTrue();
            int from = TaggedPayload.sender(deliver.payload());
            assertThat(deliver.src()).isEqualTo(from);
            long seq = TaggedPayload.seq(deliver.payload());
            assertThat(seq).as("next message of sender %s", from).isEqualTo(lastSeq.get(from) + 1);
            lastSeq.put(from, seq);
        }
        for (Future<Void> future : sending) {
            result(future);
        }
        assertThat(lastSeq.values()).containsOnly((long) perSender);
    }
}
