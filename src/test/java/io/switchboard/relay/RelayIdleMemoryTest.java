package io.switchboard.relay;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Message;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that once received a burst holds, once idle, no more queue memory than a client
 * that never received anything: the buffers grown for the burst are given back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayIdleMemoryTest extends RelayTestSupport {

    @Test
    void anIdleClientGivesBackTheBuffersOfItsLastBurst() throws Exception {
        TestClient sender = connect();
        TestClient receiver = connect();
        byte[] payload = new byte[60_000];
        Arrays.fill(payload, (byte) 7);
        sender.send(receiver.id(), payload);
        Message deliver = receiver.readDeliver();
        assertThat(deliver.payload()).isEqualTo(payload);

        OutboundQueue queue = session(receiver).queue();
        await().atMost(PATIENCE).until(() -> queue.bufferCapacity() <= 2 * (OutboundBatch.INITIAL_CAPACITY + OutboundBatch.INITIAL_CONTROL));

        // And the queue still works at its initial size, for a burst as large again.
        sender.send(receiver.id(), payload);
        assertThat(receiver.readDeliver().payload()).isEqualTo(payload);
    }
}
