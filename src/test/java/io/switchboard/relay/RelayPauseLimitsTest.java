package io.switchboard.relay;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.support.TestClient;

/**
 * Slow consumers and the memory bound under policy pause, with small limits: 64 KiB queues and a
 * slow-consumer timeout of 2 s.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.max-queued-bytes=65536", "switchboard.overflow-policy=pause",
        "switchboard.slow-consumer-timeout=2s" })
class RelayPauseLimitsTest extends RelayTestSupport {

    /**
     * The paused sender's message waiting for room ends in DESTINATION_GONE with the queued
     * ones, and the sender is read again: its later messages to the hog find an unknown ID.
     */
    @Test
    void slowConsumerIsEvictedAndItsPausedSenderIsFreed() throws Exception {
        assertSlowConsumerEvictedAndSenderFreed(true);
    }

    @Test
    void queueOfAClientThatDoesNotReadStaysBounded() throws Exception {
        List<TestClient> senders = List.of(connect(), connect(), connect());
        assertQueueBoundedWhileFlooded(senders, connectNonReading());
    }
}
