package io.switchboard.relay;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code switchboard.ids=random} (PROTOCOL.md section 6): a new client's ID is drawn uniformly
 * among the free IDs, so that one's own ID says nothing about the others'.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.ids=random" })
class RandomIdsTest extends RelayTestSupport {

    /**
     * 100 clients get distinct IDs from all over the range: below and above the middle, and
     * hardly any next to another (sequential IDs would make 99 such pairs). Drawn uniformly,
     * each check fails with a chance below 1e-17: all on one side, 2^-99; three or more pairs of
     * neighbours, about (100 * 99 / 2^32)^3 / 6.
     */
    @Test
    void clientsGetDistinctIdsSpreadOverTheWholeRange() throws Exception {
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            ids.add(Integer.toUnsignedLong(connect().id()));
        }
        assertThat(ids).hasSize(100).doesNotContain(0L);
        assertThat(ids).anyMatch((id) -> id < (1L << 31)).anyMatch((id) -> id >= (1L << 31));
        long adjacent = ids.stream().filter((id) -> ids.contains(id + 1)).count();
        assertThat(adjacent).isLessThan(3);
    }

    /** Among the free IDs of a small range, each comes up as often as the others; taken ones never. */
    @Test
    void theAllocatorIsUniformAmongTheFreeIdsOfItsRange() {
        RandomIdAllocator allocator = new RandomIdAllocator(new IdScheme(1, 10, IdStrategy.RANDOM));
        Set<Integer> taken = Set.of(2, 3, 9);
        Map<Integer, Integer> counts = new TreeMap<>();
        int draws = 70_000;
        for (int i = 0; i < draws; i++) {
            counts.merge(allocator.allocate(taken::contains), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys(1, 4, 5, 6, 7, 8, 10);
        // 10,000 expected each, a standard deviation of about 93: 600 is 6.4 of them.
        assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(9_400, 10_600));
        assertThatIllegalStateException().isThrownBy(() -> allocator.allocate((id) -> true));
    }

    /** In token mode the range starts above the stable IDs. */
    @Test
    void inTokenModeTheRangeIsTheUpperHalf() {
        IdScheme scheme = IdScheme.of(IdStrategy.RANDOM, true);
        RandomIdAllocator allocator = new RandomIdAllocator(scheme);
        for (int i = 0; i < 1000; i++) {
            assertThat(Integer.toUnsignedLong(allocator.allocate((id) -> false))).isBetween(2147483648L, 4294967295L);
        }
        assertThat(scheme.min()).isEqualTo(2147483648L);
    }
}
