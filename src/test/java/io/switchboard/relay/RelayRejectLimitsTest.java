package io.switchboard.relay;

import java.io.EOFException;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Policy reject, slow consumers, the memory bound and max-clients, with small limits: 64 KiB
 * queues, a slow-consumer timeout of 2 s, 3 clients at most (so each test uses 3 at most).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.max-queued-bytes=65536", "switchboard.overflow-policy=reject",
        "switchboard.slow-consumer-timeout=2s", "switchboard.max-clients=3" })
class RelayRejectLimitsTest extends RelayTestSupport {

    /**
     * A SEND that finds the queue full gets DESTINATION_BUSY naming the destination and its seq,
     * and the server reads on: the sender's next messages to another client arrive.
     */
    @Test
    void fullQueueGivesDestinationBusyAndTheSenderIsReadOn() throws Exception {
        TestClient sender = connect();
        TestClient hog = connectNonReading();
        TestClient other = connect();
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        FrameCollector otherFrames = collectInto(ledger, other);
        int beyond = 20;
        long lastToHog = result(floodUntilFull(sender, hog, 8192, beyond, ledger));
        int later = 50;
        for (int i = 0; i < later; i++) {
            sendTracked(ledger, sender, other, 100);
        }
        await().atMost(PATIENCE).until(() -> otherFrames.delivers().size() == later);
        assertThat(senderFrames.errors()).filteredOn(error -> error.code() == ErrorCode.DESTINATION_BUSY)
                .isNotEmpty().allSatisfy(error -> assertThat(error.dest()).isEqualTo(Integer.toUnsignedLong(hog.id())));

        // The hog leaves, reading what it was sent, so that every SEND can be accounted for.
        hog.shutdownOutput();
        for (Incoming frame : hog.readUntilClosed()) {
            ledger.delivered(hog.id(), (Message) frame);
        }
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();
        System.out.println("Reject: " + ledger.tally());
        assertThat(ledger.problems()).isEmpty();
        assertOutcomesInSequence(ledger.outcomesTo(sender.id(), hog.id()), "DELIVER at " + hog.id(),
                "DESTINATION_GONE");
        assertInOrder(otherFrames.delivers(), lastToHog + 1, lastToHog + later);
    }

    @Test
    void slowConsumerIsEvictedUnderRejectToo() throws Exception {
        assertSlowConsumerEvictedAndSenderFreed(false);
    }

    @Test
    void queueOfAClientThatDoesNotReadStaysBounded() throws Exception {
        assertQueueBoundedWhileFlooded(List.of(connect(), connect()), connectNonReading());
    }

    /** Past max-clients, a connection is closed without an ID; once one leaves, the next gets in. */
    @Test
    void connectionOverMaxClientsIsClosedWithoutAnId() throws Exception {
        TestClient a = connect();
        TestClient b = connect();
        TestClient c = connect();
        for (int i = 0; i < 5; i++) {
            try (TestClient extra = TestClient.connectWithoutGreeting(port())) {
                assertThatThrownBy(extra::readGreeting).as("connection %s over the limit", i)
                        .isInstanceOf(EOFException.class);
            }
        }
        assertThat(this.registry.size()).isEqualTo(3);
        a.send(b.id(), "still relaying".getBytes());
        assertThat(b.readDeliver().payload()).isEqualTo("still relaying".getBytes());

        c.close();
        await().atMost(PATIENCE).until(() -> this.registry.size() == 2);
        TestClient d = connect();
        assertThat(d.id()).isNotZero().isNotIn(a.id(), b.id(), c.id());
        d.send(a.id(), "newcomer".getBytes());
        Message deliver = a.readDeliver();
        assertThat(deliver.src()).isEqualTo(Integer.toUnsignedLong(d.id()));
        assertThat(deliver.payload()).isEqualTo("newcomer".getBytes());
    }
}
