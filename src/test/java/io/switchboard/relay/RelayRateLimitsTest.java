package io.switchboard.relay;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TestClient;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rate limits (PROTOCOL.md section 9) in token mode: a client over its rate is read no faster
 * than the rate, losing nothing and getting no ERROR, while a neighbouring pair goes at its own
 * pace; and the send permissions of a token hold for a frame large enough to be read into an
 * array of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.auth.mode=token", "switchboard.auth.jwt.secret=" + Tokens.SECRET,
        "switchboard.limits.messages-per-second=2000", "switchboard.limits.bytes-per-second=1MB" })
class RelayRateLimitsTest extends RelayTestSupport {

    private static final int RATE = 2000;
    private static final long BYTES_RATE = 1024 * 1024;

    @Autowired
    MeterRegistry meters;

    TestClient admitted() throws Exception {
        return admitted(Map.of());
    }

    TestClient admitted(Map<String, Object> claims) throws Exception {
        TestClient client = track(TestClient.connectWithToken(port(), Tokens.hs256(claims)));
        assertThat(client.id()).isNotZero();
        return client;
    }

    /**
     * 6000 SENDs written at once: a burst of one second's worth (2000), then 2000 a second, so
     * the last is read about 2 s after the first. Every one is delivered, in order, no ERROR;
     * meanwhile another sender, under its own rate, is not held up.
     */
    @Test
    void aSenderOverItsMessageRateIsReadAtTheRateLosingNothingAndItsNeighbourIsNotSlowed() throws Exception {
        TestClient sender = admitted();
        TestClient receiver = admitted();
        TestClient neighbour = admitted();
        TestClient neighboursPeer = admitted();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        FrameCollector received = collectInto(ledger, receiver);
        FrameCollector neighbourFrames = collectInto(ledger, neighbour);
        FrameCollector neighbourReceived = collectInto(ledger, neighboursPeer);
        double throttledBefore = this.meters.get("switchboard.throttled").counter().count();
        int messages = 3 * RATE;
        long start = System.nanoTime();
        Future<Void> flooding = background(() -> {
            for (int i = 0; i < messages; i++) {
                sendTracked(ledger, sender, receiver, 64);
            }
            return null;
        });
        await().atMost(PATIENCE).until(() -> session(sender).isThrottled());

        // The neighbour's burst, within its own bucket, goes through while the sender waits.
        long neighbourStart = System.nanoTime();
        for (int i = 0; i < RATE / 2; i++) {
            sendTracked(ledger, neighbour, neighboursPeer, 64);
        }
        await().atMost(PATIENCE).until(() -> neighbourReceived.delivers().size() == RATE / 2);
        Duration neighbourTook = Duration.ofNanos(System.nanoTime() - neighbourStart);
        assertThat(session(sender).isThrottled()).as("the sender still waits for its rate").isTrue();

        result(flooding);
        await().atMost(PATIENCE).until(() -> received.delivers().size() == messages);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();
        neighbourFrames.stop();
        System.out.printf("%d SENDs at a limit of %d/s took %d ms (2000 expected); the neighbour's %d took %d ms%n",
                messages, RATE, took.toMillis(), RATE / 2, neighbourTook.toMillis());
        assertThat(ledger.problems()).isEmpty();
        assertThat(ledger.tally()).as("no ERROR").containsOnlyKeys("DELIVER");
        assertInOrder(received.delivers(), 1, messages);
        // (messages - burst) / rate = 2 s: not faster, and not much slower.
        assertThat(took).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(6));
        assertThat(neighbourTook).isLessThan(Duration.ofMillis(1000));
        assertThat(this.meters.get("switchboard.throttled").counter().count()).isGreaterThan(throttledBefore);
        assertThat(this.meters.get("switchboard.throttled.time").counter().count()).isPositive();
    }

    /** 3 MiB in SENDs of 256 KiB at 1 MiB a second, after a burst of 1 MiB: about 2 s. */
    @Test
    void aSenderOverItsByteRateIsReadAtThatRate() throws Exception {
        TestClient sender = admitted();
        TestClient receiver = admitted();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        FrameCollector received = collectInto(ledger, receiver);
        int size = 256 * 1024;
        int messages = (int) (3 * BYTES_RATE / size);
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            sendTracked(ledger, sender, receiver, size);
        }
        await().atMost(PATIENCE).until(() -> received.delivers().size() == messages);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();
        System.out.printf("%d SENDs of %d bytes at a limit of %d B/s took %d ms (2000 expected)%n", messages, size,
                BYTES_RATE, took.toMillis());
        assertThat(ledger.problems()).isEmpty();
        assertInOrder(received.delivers(), 1, messages);
        assertThat(took).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(6));
    }

    /** Past the reader's 64 KiB buffer a frame is read into an array of its own: its permission is checked all the same. */
    @Test
    void aForbiddenFrameReadIntoAnArrayOfItsOwnIsRefused() throws Exception {
        TestClient allowed = admitted();
        TestClient bystander = admitted();
        TestClient limited = admitted(Map.of("send", List.of(Integer.toUnsignedLong(allowed.id()))));
        long forbidden = limited.send(bystander.id(), new byte[100_000]);
        long fine = limited.send(allowed.id(), new byte[100_000]);
        assertThat(limited.readError()).isEqualTo(new SendError(ErrorCode.FORBIDDEN, Integer.toUnsignedLong(bystander.id()), forbidden));
        assertThat(allowed.readDeliver().payload()).hasSize(100_000);
        assertThat(fine).isEqualTo(2);
        allowed.send(bystander.id(), "marker".getBytes());
        assertThat(bystander.readDeliver().payload()).isEqualTo("marker".getBytes());
    }
}
