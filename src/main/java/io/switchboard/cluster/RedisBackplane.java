package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.async.RedisStreamAsyncCommands;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.stream.ByteRecord;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

import io.switchboard.protocol.Wire;
import io.switchboard.relay.IdScheme;

/**
 * Every Redis command of the cluster, in one place. The multi-key steps are Lua scripts, so each
 * is atomic: an ID is counted and claimed at once, a dead node's clients leave together.
 * Scripts build key names from the prefix, so the cluster needs a standalone Redis (or
 * Sentinel), not Redis Cluster. Every method throws Spring's DataAccessException when Redis
 * cannot be reached.
 */
final class RedisBackplane {

    static final byte[] FIELD = { 'f' };
    /** IDs per script call when many are claimed or released at once. */
    private static final int CHUNK = 500;

    /**
     * The start of every script that hands out an ID: nothing is handed out while Redis holds no
     * registry (it lost its data: the IDs that nodes' connected clients hold are unknown until
     * they claim them again) or while the reclaim window that began when a node found it so is
     * open. The last two keys are {@code registry} and {@code reclaiming}; {@code hold()} answers
     * nil when IDs may be handed out, 1 without a registry, 2 plus the window's milliseconds left
     * during it (decoded by {@link IdsOnHoldException#of}).
     */
    private static final String HOLD = """
            local function hold()
              if redis.call('EXISTS', KEYS[#KEYS - 1]) == 0 then
                return 1
              end
              local left = redis.call('PTTL', KEYS[#KEYS])
              if left >= 0 then
                return 2 + left
              end
              return nil
            end
            local held = hold()
            """;

    /**
     * Counts through ARGV[4]..ARGV[5], wrapping at the end, until an ID that no node holds is
     * claimed for ARGV[1]; minus the hold when none may be handed out now.
     */
    private static final RedisScript<Long> ALLOCATE = RedisScript.of(HOLD + """
            if held then
              return -held
            end
            local min = tonumber(ARGV[4])
            local max = tonumber(ARGV[5])
            for i = 1, tonumber(ARGV[3]) do
              local n = redis.call('INCR', KEYS[1])
              if n > max or n < min then
                n = min
                redis.call('SET', KEYS[1], string.format('%d', min))
              end
              if redis.call('SET', ARGV[2] .. n, ARGV[1], 'NX') then
                redis.call('SADD', KEYS[2], n)
                return n
              end
            end
            return 0
            """, Long.class);

    /**
     * Claims for ARGV[1] the first of the IDs ARGV[3..] that no node holds; 0 when every one is
     * held, minus the hold when none may be handed out now.
     */
    private static final RedisScript<Long> ALLOCATE_ANY = RedisScript.of(HOLD + """
            if held then
              return -held
            end
            for i = 3, #ARGV do
              if redis.call('SET', ARGV[2] .. ARGV[i], ARGV[1], 'NX') then
                redis.call('SADD', KEYS[1], ARGV[i])
                return tonumber(ARGV[i])
              end
            end
            return 0
            """, Long.class);

    /**
     * Claims ID ARGV[3] for node ARGV[1] whoever holds it (a stable ID: newest wins), and
     * answers the node that held it before, or '' when none did; '!' and the hold when no ID may
     * be had now (the client that holds it may be on a node that has not claimed it yet).
     */
    private static final RedisScript<String> TAKE_OVER = RedisScript.of(HOLD + """
            if held then
              return '!' .. held
            end
            local key = ARGV[2] .. 'client:' .. ARGV[3]
            local previous = redis.call('GET', key)
            redis.call('SET', key, ARGV[1])
            redis.call('SADD', KEYS[1], ARGV[3])
            if previous and previous ~= ARGV[1] then
              redis.call('SREM', ARGV[2] .. 'node:' .. previous .. ':clients', ARGV[3])
              return previous
            end
            return ''
            """, String.class);

    /**
     * Renews ARGV[1]'s liveness; answers whether it was still alive, the milliseconds left of the
     * reclaim window (negative when none is open), then '+node' or '-node' for every other member.
     * Finding no registry (KEYS[2]), the first beat after Redis lost its data, or the first of a
     * new cluster, creates it and opens the reclaim window (KEYS[3], ARGV[4] ms): no node hands
     * out IDs until every node alive before has had the time to claim its clients' IDs again.
     */
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> HEARTBEAT = RedisScript.of("""
            local alive = ARGV[3] .. 'node:' .. ARGV[1] .. ':alive'
            local out = { tostring(redis.call('EXISTS', alive)) }
            if redis.call('SET', KEYS[2], ARGV[1], 'NX') then
              redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
            end
            table.insert(out, tostring(redis.call('PTTL', KEYS[3])))
            redis.call('SET', alive, '1', 'PX', ARGV[2])
            redis.call('SADD', KEYS[1], ARGV[1])
            for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              if m ~= ARGV[1] then
                if redis.call('EXISTS', ARGV[3] .. 'node:' .. m .. ':alive') == 1 then
                  table.insert(out, '+' .. m)
                else
                  table.insert(out, '-' .. m)
                end
              end
            end
            return out
            """, List.class);

    /** Removes node ARGV[1] and the IDs it holds, unless it is alive and ARGV[3] is not '1'. */
    private static final RedisScript<Long> REAP = RedisScript.of("""
            local base = ARGV[2] .. 'node:' .. ARGV[1]
            if ARGV[3] ~= '1' and redis.call('EXISTS', base .. ':alive') == 1 then
              return -1
            end
            local ids = redis.call('SMEMBERS', base .. ':clients')
            for _, id in ipairs(ids) do
              local key = ARGV[2] .. 'client:' .. id
              if redis.call('GET', key) == ARGV[1] then
                redis.call('DEL', key)
              end
            end
            redis.call('DEL', base .. ':clients', base .. ':inbox', base .. ':alive')
            redis.call('SREM', KEYS[1], ARGV[1])
            return #ids
            """, Long.class);

    /** Releases the IDs ARGV[3..] of node ARGV[1]; an ID another node holds now is left to it. */
    private static final RedisScript<Long> RELEASE = RedisScript.of("""
            for i = 3, #ARGV do
              local key = ARGV[2] .. ARGV[i]
              if redis.call('GET', key) == ARGV[1] then
                redis.call('DEL', key)
              end
              redis.call('SREM', KEYS[1], ARGV[i])
            end
            return #ARGV - 2
            """, Long.class);

    /**
     * Claims again the IDs ARGV[3..] for node ARGV[1] after Redis was away, keeps the counter
     * above them (Redis may have lost it) and answers the IDs another node holds meanwhile.
     */
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> CLAIM = RedisScript.of("""
            local conflicts = {}
            local top = 0
            for i = 3, #ARGV do
              local key = ARGV[2] .. ARGV[i]
              local holder = redis.call('GET', key)
              if holder == false or holder == ARGV[1] then
                redis.call('SET', key, ARGV[1])
                redis.call('SADD', KEYS[1], ARGV[i])
                local n = tonumber(ARGV[i])
                if n > top then top = n end
              else
                table.insert(conflicts, ARGV[i])
              end
            end
            local current = tonumber(redis.call('GET', KEYS[2]) or '0')
            if top > current then
              redis.call('SET', KEYS[2], string.format('%d', top))
            end
            return conflicts
            """, List.class);

    private final RedisConnectionFactory factory;
    private final StringRedisTemplate redis;
    private final ClusterKeys keys;
    private final String node;
    private final XAddArgs nativeAddArgs;
    /** Taken on the first append, dropped after a failed one; set and dropped holding this object's monitor. */
    private volatile @Nullable Appends appends;

    RedisBackplane(RedisConnectionFactory factory, ClusterKeys keys, String node, int streamMaxLength) {
        this.factory = factory;
        this.redis = new StringRedisTemplate(factory);
        this.keys = keys;
        this.node = node;
        this.nativeAddArgs = new XAddArgs().maxlen(streamMaxLength).approximateTrimming(true).nomkstream(true);
    }

    String node() {
        return this.node;
    }

    ClusterKeys keys() {
        return this.keys;
    }

    /**
     * @return the next ID of the scheme's range that was free, now claimed; 0 when none was within {@code tries}
     * @throws IdsOnHoldException when no ID may be handed out now
     */
    int allocate(IdScheme scheme, int tries) {
        Long id = this.redis.execute(ALLOCATE, List.of(this.keys.nextId(), this.keys.clients(this.node),
                this.keys.registry(), this.keys.reclaiming()),
                this.node, this.keys.clientPrefix(), Integer.toString(tries), Long.toString(scheme.min()),
                Long.toString(scheme.max()));
        return toId(id);
    }

    /**
     * @return the first of {@code candidates} that was free, now claimed; 0 when none was
     * @throws IdsOnHoldException when no ID may be handed out now
     */
    int allocateAmong(int[] candidates) {
        Object[] args = new Object[2 + candidates.length];
        args[0] = this.node;
        args[1] = this.keys.clientPrefix();
        for (int i = 0; i < candidates.length; i++) {
            args[2 + i] = Integer.toUnsignedString(candidates[i]);
        }
        Long id = this.redis.execute(ALLOCATE_ANY, List.of(this.keys.clients(this.node), this.keys.registry(),
                this.keys.reclaiming()), args);
        return toId(id);
    }

    private static int toId(@Nullable Long answer) {
        if (answer != null && answer < 0) {
            throw IdsOnHoldException.of(-answer);
        }
        return (answer == null) ? 0 : Wire.toId(answer);
    }

    /**
     * Claims {@code id} whoever holds it; @return the other node that held it, or null
     * @throws IdsOnHoldException when no ID may be had now
     */
    @Nullable String takeOver(int id) {
        String previous = this.redis.execute(TAKE_OVER, List.of(this.keys.clients(this.node), this.keys.registry(),
                this.keys.reclaiming()), this.node, this.keys.prefix(), Integer.toUnsignedString(id));
        if (previous != null && previous.startsWith("!")) {
            throw IdsOnHoldException.of(Long.parseLong(previous, 1, previous.length(), 10));
        }
        return (previous == null || previous.isEmpty()) ? null : previous;
    }

    /**
     * @param wasAlive whether this node's liveness key was still there
     * @param reclaiming what is left of the reclaim window, zero when none is open
     */
    record Heartbeat(boolean wasAlive, Duration reclaiming, Set<String> live, List<String> dead) {
    }

    /**
     * @param reclaimWindow how long no ID is handed out when this beat finds Redis without a
     *        registry (docs/cluster.md, "Redis comes back empty")
     */
    Heartbeat heartbeat(Duration ttl, Duration reclaimWindow) {
        List<?> out = this.redis.execute(HEARTBEAT, List.of(this.keys.nodes(), this.keys.registry(),
                this.keys.reclaiming()), this.node, Long.toString(ttl.toMillis()), this.keys.prefix(),
                Long.toString(reclaimWindow.toMillis()));
        Set<String> live = new HashSet<>();
        List<String> dead = new ArrayList<>();
        for (int i = 2; i < out.size(); i++) {
            String member = (String) out.get(i);
            (member.charAt(0) == '+' ? live : dead).add(member.substring(1));
        }
        long reclaiming = Long.parseLong((String) out.get(1));
        return new Heartbeat("1".equals(out.get(0)), Duration.ofMillis(Math.max(0, reclaiming)), live, dead);
    }

    /** @return the number of IDs removed with the node, or -1 when it turned out alive */
    long reap(String deadNode) {
        return this.redis.execute(REAP, List.of(this.keys.nodes()), deadNode, this.keys.prefix(), "0");
    }

    /** This node leaves at shutdown: its IDs go at once rather than after the heartbeat TTL. */
    void leave() {
        this.redis.execute(REAP, List.of(this.keys.nodes()), this.node, this.keys.prefix(), "1");
    }

    void release(Collection<Integer> ids) {
        for (List<String> chunk : chunks(ids)) {
            chunk.addAll(0, List.of(this.node, this.keys.clientPrefix()));
            this.redis.execute(RELEASE, List.of(this.keys.clients(this.node)), chunk.toArray());
        }
    }

    /** @return the IDs that another node holds now */
    List<Integer> claim(Collection<Integer> ids) {
        List<Integer> conflicts = new ArrayList<>();
        for (List<String> chunk : chunks(ids)) {
            chunk.addAll(0, List.of(this.node, this.keys.clientPrefix()));
            List<?> taken = this.redis.execute(CLAIM, List.of(this.keys.clients(this.node), this.keys.nextId()),
                    chunk.toArray());
            for (Object id : taken) {
                conflicts.add(Wire.toId(Long.parseLong((String) id)));
            }
        }
        return conflicts;
    }

    /** The IDs Redis says a node holds. */
    Set<Integer> clientsOf(String holder) {
        Set<String> members = this.redis.opsForSet().members(this.keys.clients(holder));
        Set<Integer> ids = new HashSet<>();
        if (members != null) {
            for (String member : members) {
                ids.add(Wire.toId(Long.parseLong(member)));
            }
        }
        return ids;
    }

    /** The node holding a client, or null. */
    @Nullable String holder(int id) {
        return this.redis.opsForValue().get(this.keys.client(id));
    }

    /**
     * Appends an entry to a node's inbox stream.
     * @return false when the stream does not exist: that node has left, or has not joined yet
     */
    boolean append(String toNode, byte[] entry) {
        byte[] stream = this.keys.inbox(toNode);
        Appends appends = appends();
        try {
            return appends.xadd(stream, this.nativeAddArgs, entry) != null;
        }
        catch (RuntimeException ex) {
            // Taken again for the next append, in case the factory has replaced its connection meanwhile.
            synchronized (this) {
                if (this.appends == appends) {
                    this.appends = null;
                    appends.close();
                }
            }
            throw ex;
        }
    }

    private Appends appends() {
        Appends appends = this.appends;
        if (appends == null) {
            synchronized (this) {
                appends = this.appends;
                if (appends == null) {
                    appends = Appends.open(this.factory);
                    this.appends = appends;
                }
            }
        }
        return appends;
    }

    /**
     * Appends through Lettuce's own commands on the factory's shared connection, which is
     * thread-safe and reconnects by itself: taken once rather than through the template per
     * append, whose proxy and connection wrapper per call cost a link's appender more than the
     * XADD's own dispatch (docs/performance.md, "Cluster mode"). Several appenders may use one.
     */
    private record Appends(RedisConnection connection, RedisStreamAsyncCommands<byte[], byte[]> commands,
            Duration timeout) {

        /** The cluster's factory is Lettuce's: the build leaves Jedis out. */
        static Appends open(RedisConnectionFactory factory) {
            LettuceConnectionFactory lettuce = (LettuceConnectionFactory) factory;
            RedisConnection connection = lettuce.getConnection();
            @SuppressWarnings("unchecked")
            RedisStreamAsyncCommands<byte[], byte[]> commands = (RedisStreamAsyncCommands<byte[], byte[]>) connection
                    .getNativeConnection();
            return new Appends(connection, commands, lettuce.getClientConfiguration().getCommandTimeout());
        }

        @Nullable String xadd(byte[] stream, XAddArgs args, byte[] entry) {
            return LettuceFutures.awaitOrCancel(this.commands.xadd(stream, args, FIELD, entry), this.timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
        }

        void close() {
            try {
                this.connection.close();
            }
            catch (RuntimeException ex) {
                // It had failed already.
            }
        }
    }

    /** Creates this node's inbox with a first, empty entry; {@code fresh}: drops what it held. */
    void openInbox(byte[] emptyEntry, boolean fresh) {
        byte[] stream = this.keys.inbox(this.node);
        this.redis.execute((RedisCallback<Object>) connection -> {
            if (fresh) {
                connection.keyCommands().del(stream);
            }
            return connection.streamCommands().xAdd(MapRecord.create(stream, Map.of(FIELD, emptyEntry)),
                    XAddOptions.none());
        });
    }

    /** A connection of its own for the inbox reader, whose blocking reads would hold up a shared one. */
    RedisConnection readerConnection() {
        return this.factory.getConnection();
    }

    static List<ByteRecord> read(RedisConnection connection, byte[] stream, String afterId, Duration block, int count) {
        List<ByteRecord> records = connection.streamCommands().xRead(
                StreamReadOptions.empty().block(block).count(count),
                StreamOffset.create(stream, ReadOffset.from(afterId)));
        return (records != null) ? records : List.of();
    }

    /** Drops the inbox entries up to {@code id}, read already. */
    static void trim(RedisConnection connection, byte[] stream, String id) {
        connection.execute("XTRIM", stream, "MINID".getBytes(StandardCharsets.US_ASCII),
                id.getBytes(StandardCharsets.US_ASCII));
    }

    private static List<List<String>> chunks(Collection<Integer> ids) {
        List<List<String>> chunks = new ArrayList<>();
        List<String> chunk = new ArrayList<>();
        for (int id : ids) {
            chunk.add(Integer.toUnsignedString(id));
            if (chunk.size() == CHUNK) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
            }
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
    }
}
