package io.switchboard.admin;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.switchboard.client.Message;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;

import static io.switchboard.admin.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Under policy {@code pause} an operator's message waits for room, and that wait counts against send-timeout. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0",
        "switchboard.admin.password=" + OperatorSendUnderPauseTest.PASSWORD,
        "switchboard.overflow-policy=pause",
        "switchboard.max-queued-bytes=1048576",
        "switchboard.admin.send-timeout=5s" })
class OperatorSendUnderPauseTest {

    static final String PASSWORD = "pause-test-password";
    static final int CHUNK = 600_000;

    @LocalServerPort
    int httpPort;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    AdminHttp admin;

    @BeforeEach
    void setUp() {
        await().until(this.endpoint::isListening);
        await().until(() -> this.registry.size() == 0);
        this.admin = AdminHttp.as(this.httpPort, "admin", PASSWORD);
    }

    @Test
    void answers504WhenNoRoomComesWithinSendTimeout() throws Exception {
        try (TestClient slow = TestClient.connect(this.endpoint.port(), 4096)) {
            QueueFiller.fillUntilStuck(this.admin, slow, CHUNK);
            String path = "/api/clients/" + Integer.toUnsignedLong(slow.id()) + "/messages";
            assertProblem(this.admin.post(path, new byte[CHUNK], "application/octet-stream"), 504);
            // It waited for room and was never taken.
            assertThat(this.admin.client(slow.id()).get("queuedBytes").asLong()).isEqualTo(CHUNK);
        }
    }

    @Test
    void deliversOnceRoomComesWithinSendTimeout() throws Exception {
        try (TestClient slow = TestClient.connect(this.endpoint.port(), 4096)) {
            QueueFiller.fillUntilStuck(this.admin, slow, CHUNK);
            byte[] payload = new byte[CHUNK];
            payload[0] = 42;
            CompletableFuture<AdminHttp.Response> pending = this.admin.postAsync(
                    "/api/clients/" + Integer.toUnsignedLong(slow.id()) + "/messages", payload,
                    "application/octet-stream");
            // The client reads at last: the broadcast chunks, then the operator's message.
            Message deliver;
            do {
                deliver = slow.readDeliver();
            }
            while (deliver.payload()[0] != 42);
            assertThat(deliver.src()).isZero();
            assertThat(deliver.payload()).isEqualTo(payload);
            AdminHttp.Response response = pending.get(AdminHttp.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.json().get("delivered").asBoolean()).isTrue();
        }
    }
}
