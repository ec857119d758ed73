package io.switchboard.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.switchboard.relay.IdScheme;
import io.switchboard.relay.IdStrategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The allocator while Redis holds IDs back after it lost its data: it waits, within its patience. */
class RedisIdAllocatorTest {

    static final ClusterKeys KEYS = new ClusterKeys("allocator:");
    static final Duration WINDOW = Duration.ofMillis(700);

    static EmbeddedRedis redis;
    static LettuceConnectionFactory factory;

    RedisBackplane here;
    RedisBackplane other;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = EmbeddedRedis.start();
        factory = redis.connectionFactory();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void redisLostItsData() {
        new StringRedisTemplate(factory).delete(List.of(KEYS.registry(), KEYS.reclaiming(), KEYS.nextId(),
                KEYS.client(1), KEYS.client(2), KEYS.client(3), KEYS.clients("here"), KEYS.clients("other")));
        this.here = new RedisBackplane(factory, KEYS, "here", 1000);
        this.other = new RedisBackplane(factory, KEYS, "other", 1000);
    }

    private RedisIdAllocator allocator(IdStrategy strategy, Duration patience) {
        RedisIdAllocator allocator = new RedisIdAllocator(this.here, IdScheme.of(strategy, false), (id) -> List.of(), patience);
        allocator.joined(true);
        return allocator;
    }

    @Test
    void anAllocationInTheReclaimWindowWaitsForItAndGetsAnIdNoOtherNodeReclaimed() {
        this.here.heartbeat(Duration.ofSeconds(30), WINDOW);
        this.other.claim(Set.of(1, 2));
        long start = System.nanoTime();
        int id = allocator(IdStrategy.SEQUENTIAL, Duration.ofSeconds(5)).allocate((candidate) -> false);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(WINDOW.dividedBy(2));
        assertThat(id).isEqualTo(3);
    }

    @Test
    void aStableIdTakenOverInTheWindowWaitsForItAndThenReplacesTheReclaimedClient() {
        this.here.heartbeat(Duration.ofSeconds(30), WINDOW);
        this.other.claim(Set.of(2));
        allocator(IdStrategy.RANDOM, Duration.ofSeconds(5)).takeOver(2);
        assertThat(this.here.holder(2)).isEqualTo("here");
        assertThat(this.here.clientsOf("other")).isEmpty();
    }

    @Test
    void withoutARegistryAnAllocationLooksAgainUntilItsPatienceEnds() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> allocator(IdStrategy.RANDOM, Duration.ofMillis(300)).allocate((candidate) -> false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds no registry");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(this.here.clientsOf("here")).isEmpty();
    }

    @Test
    void anAllocationGivesUpWhenTheWindowOutlastsItsPatience() {
        this.here.heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(30));
        assertThatThrownBy(() -> allocator(IdStrategy.SEQUENTIAL, Duration.ofMillis(200)).allocate((candidate) -> false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reclaiming their clients' IDs");
        assertThat(this.here.clientsOf("here")).isEmpty();
    }
}
