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
import static org.awaitility.Awaitility.await;

/** The Lua steps of the registry, against a real Redis. */
class RedisBackplaneTest {

    static EmbeddedRedis redis;
    static LettuceConnectionFactory factory;
    static StringRedisTemplate template;
    static final ClusterKeys KEYS = new ClusterKeys("unit:");
    static final Duration WINDOW = Duration.ofSeconds(2);
    static final IdScheme ALL = IdScheme.of(IdStrategy.SEQUENTIAL, false);
    static final IdScheme ASSIGNED_IN_TOKEN_MODE = IdScheme.of(IdStrategy.SEQUENTIAL, true);

    RedisBackplane one;
    RedisBackplane two;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = EmbeddedRedis.start();
        factory = redis.connectionFactory();
        template = new StringRedisTemplate(factory);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        template.execute((org.springframework.data.redis.core.RedisCallback<Object>) connection -> {
            connection.serverCommands().flushAll();
            return null;
        });
        // A registry some node made a while ago: IDs are handed out (no reclaim window is open).
        template.opsForValue().set(KEYS.registry(), "earlier");
        this.one = new RedisBackplane(factory, KEYS, "one", 1000);
        this.two = new RedisBackplane(factory, KEYS, "two", 1000);
    }

    @Test
    void idsWrapPast4294967295SkippingZeroAndIdsHeld() {
        template.opsForValue().set(KEYS.client(2), "two");
        template.opsForValue().set(KEYS.nextId(), "4294967294");
        assertThat(Integer.toUnsignedLong(this.one.allocate(ALL, 10))).isEqualTo(4294967295L);
        assertThat(this.one.allocate(ALL, 10)).isEqualTo(1);
        assertThat(this.one.allocate(ALL, 10)).as("2 is held by node two").isEqualTo(3);
        assertThat(template.opsForValue().get(KEYS.client(3))).isEqualTo("one");
        assertThat(this.one.clientsOf("one")).containsExactlyInAnyOrder((int) 4294967295L, 1, 3);
        assertThat(this.one.holder(2)).isEqualTo("two");
    }

    @Test
    void inTokenModeIdsAreCountedFrom2147483648AndWrapThere() {
        template.opsForValue().set(KEYS.nextId(), "12");
        assertThat(Integer.toUnsignedLong(this.one.allocate(ASSIGNED_IN_TOKEN_MODE, 10))).isEqualTo(2147483648L);
        assertThat(Integer.toUnsignedLong(this.one.allocate(ASSIGNED_IN_TOKEN_MODE, 10))).isEqualTo(2147483649L);
        template.opsForValue().set(KEYS.nextId(), "4294967295");
        assertThat(Integer.toUnsignedLong(this.one.allocate(ASSIGNED_IN_TOKEN_MODE, 10))).isEqualTo(2147483648L + 2);
    }

    @Test
    void allocateAmongClaimsTheFirstCandidateNoNodeHolds() {
        template.opsForValue().set(KEYS.client(40), "two");
        assertThat(this.one.allocateAmong(new int[] { 40, (int) 3000000000L, 41 })).isEqualTo((int) 3000000000L);
        assertThat(this.one.holder((int) 3000000000L)).isEqualTo("one");
        assertThat(this.one.clientsOf("one")).containsExactly((int) 3000000000L);
        assertThat(this.one.allocateAmong(new int[] { 40, (int) 3000000000L })).as("both held").isZero();
    }

    @Test
    void takeOverClaimsAStableIdFromTheNodeThatHeldItAndNamesThatNode() {
        assertThat(this.two.takeOver(5)).as("nobody held it").isNull();
        assertThat(this.two.takeOver(5)).as("held by itself").isNull();
        assertThat(this.one.takeOver(5)).isEqualTo("two");
        assertThat(this.one.holder(5)).isEqualTo("one");
        assertThat(this.one.clientsOf("one")).containsExactly(5);
        assertThat(this.one.clientsOf("two")).isEmpty();
        // Node two's client with ID 5 leaves later: its release leaves the ID to node one.
        this.two.release(List.of(5));
        assertThat(this.one.holder(5)).isEqualTo("one");
    }

    @Test
    void allocateGivesUpWhenEveryTriedIdIsHeld() {
        for (int id = 1; id <= 5; id++) {
            template.opsForValue().set(KEYS.client(id), "two");
        }
        assertThat(this.one.allocate(ALL, 5)).isZero();
        assertThat(this.one.allocate(ALL, 5)).isEqualTo(6);
    }

    @Test
    void aDeadNodeIsReapedWithTheIdsStillNamingIt() {
        this.one.heartbeat(Duration.ofMillis(300), WINDOW);
        RedisBackplane.Heartbeat first = this.two.heartbeat(Duration.ofSeconds(30), WINDOW);
        assertThat(first.live()).containsExactly("one");
        int a = this.one.allocate(ALL, 10);
        int b = this.one.allocate(ALL, 10);
        // b was taken over by node two meanwhile (after an outage): reaping one must leave it.
        template.opsForValue().set(KEYS.client(b), "two");

        await().atMost(Duration.ofSeconds(5)).until(() -> this.two.heartbeat(Duration.ofSeconds(30), WINDOW).dead().contains("one"));
        assertThat(this.two.reap("one")).isEqualTo(2);
        assertThat(this.two.holder(a)).isNull();
        assertThat(this.two.holder(b)).isEqualTo("two");
        assertThat(template.opsForSet().members(KEYS.nodes())).containsExactly("two");
        assertThat(this.two.heartbeat(Duration.ofSeconds(30), WINDOW).dead()).isEmpty();
    }

    @Test
    void aLiveNodeIsNotReaped() {
        this.one.heartbeat(Duration.ofSeconds(30), WINDOW);
        this.one.allocate(ALL, 10);
        assertThat(this.two.reap("one")).isEqualTo(-1);
        assertThat(this.one.clientsOf("one")).hasSize(1);
    }

    @Test
    void claimAfterRedisLostEverythingRaisesTheCounterAndReportsConflicts() {
        template.opsForValue().set(KEYS.client(7), "two");
        List<Integer> conflicts = this.one.claim(Set.of(5, 7, 900));
        assertThat(conflicts).containsExactly(7);
        assertThat(this.one.holder(5)).isEqualTo("one");
        assertThat(this.one.holder(900)).isEqualTo("one");
        assertThat(this.one.clientsOf("one")).containsExactlyInAnyOrder(5, 900);
        assertThat(this.one.allocate(ALL, 10)).isEqualTo(901);
    }

    @Test
    void releaseLeavesAnIdAnotherNodeHoldsNow() {
        int a = this.one.allocate(ALL, 10);
        int b = this.one.allocate(ALL, 10);
        template.opsForValue().set(KEYS.client(b), "two");
        this.one.release(List.of(a, b));
        assertThat(this.one.holder(a)).isNull();
        assertThat(this.one.holder(b)).isEqualTo("two");
        assertThat(this.one.clientsOf("one")).isEmpty();
    }

    @Test
    void noIdIsHandedOutWhileRedisHoldsNoRegistry() {
        template.delete(KEYS.registry());
        assertThatThrownBy(() -> this.one.allocate(ALL, 10)).isInstanceOfSatisfying(IdsOnHoldException.class,
                (hold) -> assertThat(hold.remaining()).isZero());
        assertThatThrownBy(() -> this.one.allocateAmong(new int[] { 3, 4 })).isInstanceOf(IdsOnHoldException.class);
        assertThatThrownBy(() -> this.one.takeOver(5)).isInstanceOf(IdsOnHoldException.class);
        assertThat(this.one.clientsOf("one")).isEmpty();
        assertThat(template.hasKey(KEYS.nextId())).isFalse();
        assertThat(this.one.holder(5)).isNull();
    }

    @Test
    void theFirstBeatWithoutARegistryOpensTheReclaimWindowAndOnlyClaimsGoOnDuringIt() {
        template.delete(KEYS.registry());
        Duration window = Duration.ofMillis(800);
        Duration opened = this.one.heartbeat(Duration.ofSeconds(30), window).reclaiming();
        assertThat(opened).isPositive().isLessThanOrEqualTo(window);
        assertThat(template.opsForValue().get(KEYS.registry())).isEqualTo("one");
        // A later beat, of another node, neither opens it again nor makes it longer.
        assertThat(this.two.heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(30)).reclaiming())
                .isPositive().isLessThanOrEqualTo(opened);
        assertThatThrownBy(() -> this.one.allocate(ALL, 10)).isInstanceOfSatisfying(IdsOnHoldException.class,
                (hold) -> assertThat(hold.remaining()).isPositive().isLessThanOrEqualTo(opened));
        assertThatThrownBy(() -> this.one.allocateAmong(new int[] { 3 })).isInstanceOf(IdsOnHoldException.class);
        assertThatThrownBy(() -> this.one.takeOver(5)).isInstanceOf(IdsOnHoldException.class);
        // Node two claims its client's ID again meanwhile; once the window closes, IDs come after it.
        assertThat(this.two.claim(Set.of(7))).isEmpty();
        await().atMost(Duration.ofSeconds(5)).ignoreException(IdsOnHoldException.class)
                .until(() -> this.one.allocate(ALL, 10) == 8);
        assertThat(this.one.takeOver(7)).isEqualTo("two");
        assertThat(this.one.heartbeat(Duration.ofSeconds(30), window).reclaiming()).isZero();
    }

    @Test
    void aBeatThatFindsTheRegistryOpensNoWindow() {
        assertThat(this.one.heartbeat(Duration.ofSeconds(30), WINDOW).reclaiming()).isZero();
        assertThat(this.one.allocate(ALL, 10)).isEqualTo(1);
    }

    @Test
    void appendNeedsTheInboxToExist() {
        byte[] empty = new ClusterCodec.Builder("one").take();
        assertThat(this.two.append("one", empty)).as("node one has not opened its inbox").isFalse();
        this.one.openInbox(empty, true);
        assertThat(this.two.append("one", empty)).isTrue();
        this.one.leave();
        assertThat(this.two.append("one", empty)).as("node one has left").isFalse();
    }
}
