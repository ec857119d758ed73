package io.switchboard.relay;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.support.TestClient;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code switchboard.limits.connections-per-address} (PROTOCOL.md section 9), in token mode: a
 * connection from an address that holds that many is closed without an ID and counted; the
 * slot comes back when one closes. Connections that have not sent their HELLO yet hold a slot
 * too, so that one address cannot open connections without end while their HELLOs are awaited.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.auth.mode=token", "switchboard.auth.jwt.secret=" + Tokens.SECRET,
        "switchboard.auth.hello-timeout=1s", "switchboard.limits.connections-per-address=3" })
class ConnectionsPerAddressTest extends RelayTestSupport {

    @Autowired
    MeterRegistry meters;

    /** Connections holding a slot (all from loopback here), as the relay's gauge reads. */
    double connectionsOpen() {
        return this.meters.get("switchboard.connections.open").gauge().value();
    }

    TestClient admitted() throws IOException {
        TestClient client = track(TestClient.connectWithToken(port(), Tokens.hs256(Map.of())));
        assertThat(client.id()).isNotZero();
        return client;
    }

    /** The server closes it at once, without a greeting and without waiting for a HELLO. */
    void assertClosedWithoutAnId() throws IOException {
        TestClient extra = track(TestClient.connectWithoutGreeting(port()));
        assertThatThrownBy(extra::readGreeting).isInstanceOfAny(EOFException.class, SocketException.class);
    }

    @BeforeEach
    void awaitSlotsOfEarlierTestsFree() {
        await().atMost(PATIENCE).until(() -> connectionsOpen() == 0);
    }

    @Test
    void aConnectionOverTheLimitOfItsAddressIsClosedWithoutAnIdUntilASlotIsFree() throws Exception {
        double before = rejected();
        List<TestClient> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            three.add(admitted());
        }
        assertClosedWithoutAnId();
        assertThat(rejected() - before).isEqualTo(1);
        three.getFirst().close();
        await().atMost(PATIENCE).until(() -> connectionsOpen() == 2);
        admitted();
        assertClosedWithoutAnId();
        assertThat(rejected() - before).isEqualTo(2);
    }

    @Test
    void connectionsAwaitingTheirHelloHoldSlotsUntilRefused() throws Exception {
        List<TestClient> silent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            silent.add(track(TestClient.connectWithoutGreeting(port())));
        }
        await().atMost(PATIENCE).until(() -> connectionsOpen() == 3);
        assertClosedWithoutAnId();
        // hello-timeout refuses them, and their slots come back.
        for (TestClient client : silent) {
            assertThat(client.readAllBytes()).isEqualTo(TokenModeTest.NOT_ADMITTED);
        }
        await().atMost(PATIENCE).until(() -> connectionsOpen() == 0);
        admitted();
    }

    private double rejected() {
        return this.meters.get("switchboard.connections.rejected").tag("reason", "per-address").counter().count();
    }
}
