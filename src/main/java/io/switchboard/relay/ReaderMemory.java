package io.switchboard.relay;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

import io.switchboard.protocol.FrameMemory;

/**
 * The node's memory budget as one connection's reader sees it. A buffer for a burst is taken
 * only if free at once; one for a frame that is arriving waits for memory (so the server stops
 * reading from this client, and TCP holds it back), after asking {@link MemoryRelief} to free
 * some, for as long as the connection is open.
 */
final class ReaderMemory implements FrameMemory {

    private static final long WAIT_MILLIS = 100;

    private final MemoryBudget budget;
    private final MemoryRelief relief;
    private final RelayConnection connection;

    ReaderMemory(MemoryBudget budget, MemoryRelief relief, RelayConnection connection) {
        this.budget = budget;
        this.relief = relief;
        this.connection = connection;
    }

    @Override
    public boolean tryTake(long bytes) {
        return this.budget.tryTake(bytes);
    }

    @Override
    public void take(long bytes) throws IOException {
        while (!this.budget.tryTake(bytes)) {
            this.relief.relieve();
            if (!this.connection.isOpen()) {
                throw new IOException("connection closed while its reader waited for memory");
            }
            if (!this.budget.awaitRelease(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new InterruptedIOException("interrupted while waiting for memory");
            }
        }
    }

    @Override
    public void give(long bytes) {
        this.budget.give(bytes);
    }
}
