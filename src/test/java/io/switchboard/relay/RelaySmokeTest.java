package io.switchboard.relay;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelaySmokeTest {

    @Autowired
    RelayEndpoint endpoint;

    int port() {
        await().until(this.endpoint::isListening);
        return this.endpoint.port();
    }

    @Test
    void protocolExampleRoundTrip() throws Exception {
        try (TestClient a = TestClient.connect(port()); TestClient b = TestClient.connect(port())) {
            assertThat(a.id()).isNotEqualTo(b.id()).isNotZero();
            a.send(b.id(), "hi".getBytes());
            Message deliver = b.readDeliver();
            assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
            assertThat(deliver.payload()).containsExactly('h', 'i');
            long seq = a.send(99_999, new byte[0]);
            assertThat(a.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 99_999, seq));
        }
    }
}
