package io.switchboard.relay;

import java.security.SecureRandom;
import java.util.function.IntPredicate;

/**
 * Picks uniformly at random in the scheme's range and tries again while the ID is in use, so
 * that the result is uniform among the free IDs and a client's own ID tells it nothing about
 * the others' ({@code switchboard.ids=random}). The generator is a {@link SecureRandom}: a
 * predictable one would let a client that has seen a few IDs work out the next.
 */
final class RandomIdAllocator implements IdAllocator {

    /** A node holds at most max-clients IDs of a range of billions: a miss is rare, many are an error. */
    private static final int TRIES = 10_000;

    private final IdScheme scheme;
    private final SecureRandom random = new SecureRandom();

    RandomIdAllocator(IdScheme scheme) {
        this.scheme = scheme;
    }

    @Override
    public int allocate(IntPredicate inUse) {
        for (int tries = 0; tries < TRIES; tries++) {
            int id = this.scheme.pick(this.random);
            if (!inUse.test(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free client ID found in " + TRIES + " random tries");
    }
}
