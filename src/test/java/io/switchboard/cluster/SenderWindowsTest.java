package io.switchboard.cluster;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** One window per sender ID and remote destination: the operator's requests share theirs. */
class SenderWindowsTest {

    private static final long MAX = 1000;
    private static final int OPERATOR = 0;

    @Test
    void aSendersMessagesToOneDestinationShareOneWindow() {
        SenderWindows windows = new SenderWindows(MAX);
        SenderWindows.Window full = windows.acquire(SenderWindows.key(OPERATOR, 7), MAX, 0);
        assertThat(full).isNotNull();
        // A second operator request to the same client, while the first is unconfirmed.
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 7), 1, 0)).as("busy").isNull();
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 8), 1, 0)).isNotNull();
        assertThat(windows.acquire(SenderWindows.key(5, 7), 1, 0)).isNotNull();

        windows.release(full, MAX);
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 7), 1, 0)).isNotNull();
    }

    @Test
    void anEmptyWindowIsAlwaysRoomForOneMessageHoweverLarge() {
        SenderWindows windows = new SenderWindows(MAX);
        SenderWindows.Window big = windows.acquire(SenderWindows.key(1, 2), 10 * MAX, 0);
        assertThat(big).isNotNull();
        assertThat(windows.acquire(SenderWindows.key(1, 2), 1, 0)).isNull();
        windows.release(big, 10 * MAX);
        assertThat(windows.acquire(SenderWindows.key(1, 2), MAX, 0)).isNotNull();
    }

    @Test
    void aWindowLeavesTheMapWhenNothingIsInFlightAndComesBackOnTheNextMessage() {
        SenderWindows windows = new SenderWindows(MAX);
        SenderWindows.Window first = windows.acquire(SenderWindows.key(1, 2), 10, 0);
        SenderWindows.Window second = windows.acquire(SenderWindows.key(1, 2), 10, 0);
        assertThat(second).isSameAs(first);
        assertThat(windows.size()).isEqualTo(1);
        windows.release(first, 10);
        assertThat(windows.size()).isEqualTo(1);
        windows.release(second, 10);
        assertThat(windows.size()).isZero();
        SenderWindows.Window again = windows.acquire(SenderWindows.key(1, 2), MAX, 0);
        assertThat(again).isNotNull().isNotSameAs(first);
        assertThat(windows.acquire(SenderWindows.key(1, 2), 1, 0)).as("the new window is full").isNull();
        assertThat(windows.size()).as("a sender that gave up does not keep a window").isEqualTo(1);
    }

    @Test
    void aPausedSenderGetsInWhenRoomIsReleasedAndNotBefore() throws Exception {
        SenderWindows windows = new SenderWindows(MAX);
        SenderWindows.Window full = windows.acquire(SenderWindows.key(1, 2), MAX, 0);
        java.util.concurrent.CompletableFuture<SenderWindows.Window> paused = new java.util.concurrent.CompletableFuture<>();
        Thread sender = Thread.ofVirtual().start(() -> paused.complete(windows.acquire(SenderWindows.key(1, 2), 1, Long.MAX_VALUE)));
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(200)).atMost(java.time.Duration.ofSeconds(5))
                .until(() -> !paused.isDone() && sender.getState() == Thread.State.WAITING);
        windows.release(full, MAX - 1);
        assertThat(paused.get(5, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(full);
    }

    @Test
    void keysKeepUnsignedDestinationsApart() {
        assertThat(SenderWindows.key(1, -1)).isNotEqualTo(SenderWindows.key(0, -1)).isNotEqualTo(SenderWindows.key(1, 1));
    }
}
