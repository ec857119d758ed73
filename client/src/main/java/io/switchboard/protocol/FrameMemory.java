package io.switchboard.protocol;

import java.io.IOException;

/**
 * The memory a {@link SendBatchReader} may hold beyond its first-read buffer: the relay's
 * node-wide budget, so that partial frames on many connections cannot add up to more than the
 * node allows. Implementations are thread-safe; a reader calls them from its own thread.
 */
public interface FrameMemory {

    /** No bound: for clients, tools and tests that read a stream they trust. */
    FrameMemory UNBOUNDED = new FrameMemory() {
        @Override
        public boolean tryTake(long bytes) {
            return true;
        }

        @Override
        public void take(long bytes) {
        }

        @Override
        public void give(long bytes) {
        }
    };

    /**
     * Takes {@code bytes} if they are free now; never waits.
     * @return whether they were taken
     */
    boolean tryTake(long bytes);

    /**
     * Takes {@code bytes}, waiting for them as long as the implementation decides.
     * @throws IOException when the reader must stop instead (its connection is closing)
     */
    void take(long bytes) throws IOException;

    /** Gives back bytes taken earlier. */
    void give(long bytes);
}
