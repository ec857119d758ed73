package io.switchboard.admin;

import java.time.Duration;

import io.switchboard.support.TestClient;

import static org.awaitility.Awaitility.await;

/**
 * Brings a client that does not read to the state where the relay can write nothing more to
 * it: broadcasts chunks until no queue takes another, and looks again until its writer has
 * made no progress between two looks (its socket buffers are full, and stay full).
 */
public final class QueueFiller {

    private QueueFiller() {
    }

    /** Only {@code slow} may be connected, as broadcasts reach every client. */
    public static void fillUntilStuck(AdminHttp admin, TestClient slow, int chunkBytes) {
        byte[] chunk = new byte[chunkBytes];
        long[] lastOut = { -1 };
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int i = 0; i < 1000 && admin.broadcast(chunk) > 0; i++) {
                // Until the queue has no room.
            }
            long out = admin.client(slow.id()).get("messagesOut").asLong();
            boolean stuck = out == lastOut[0];
            lastOut[0] = out;
            return stuck;
        });
    }
}
