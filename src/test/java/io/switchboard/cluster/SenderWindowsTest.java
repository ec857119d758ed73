package io.switchboard.cluster;

import org.junit.jupiter.api.Test;

import io.switchboard.relay.OfferResult;

import static org.assertj.core.api.Assertions.assertThat;

/** One window per sender ID and remote destination: the operator's requests share theirs. */
class SenderWindowsTest {

    private static final long MAX = 1000;
    private static final int OPERATOR = 0;

    @Test
    void aSendersMessagesToOneDestinationShareOneWindow() {
        SenderWindows windows = new SenderWindows(MAX);
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 7), MAX, 0)).isEqualTo(OfferResult.QUEUED);
        // A second operator request to the same client, while the first is unconfirmed.
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 7), 1, 0)).isEqualTo(OfferResult.BUSY);
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 8), 1, 0)).isEqualTo(OfferResult.QUEUED);
        assertThat(windows.acquire(SenderWindows.key(5, 7), 1, 0)).isEqualTo(OfferResult.QUEUED);

        windows.release(SenderWindows.key(OPERATOR, 7), MAX);
        assertThat(windows.acquire(SenderWindows.key(OPERATOR, 7), 1, 0)).isEqualTo(OfferResult.QUEUED);
    }

    @Test
    void keysKeepUnsignedDestinationsApart() {
        assertThat(SenderWindows.key(1, -1)).isNotEqualTo(SenderWindows.key(0, -1)).isNotEqualTo(SenderWindows.key(1, 1));
    }
}
