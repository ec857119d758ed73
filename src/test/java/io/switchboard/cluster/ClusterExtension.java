package io.switchboard.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * The cluster tests' set-up as a JUnit extension: a Redis of their own, nodes started on it one
 * after the other with the test's settings (each waited for until it listens and has joined),
 * then the mesh (every node sees every other alive); closed afterwards, nodes first, then Redis.
 *
 * <p>Registered in a static field, {@code @RegisterExtension static final ClusterExtension nodes},
 * the nodes serve every test of the class, as a {@code @BeforeAll} and {@code @AfterAll} pair did;
 * in an instance field, each test has nodes of its own, started before it and closed after it.
 * The test reaches them by name ({@link #a()} is {@code node-a}), and reaches the rest of the
 * cluster (its Redis, more nodes) through {@link #cluster()}.
 */
final class ClusterExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    /** Something of the test's own that needs the Redis and is closed before the nodes: a node in a JVM of its own. */
    @FunctionalInterface
    interface Companion {
        AutoCloseable start(EmbeddedRedis redis) throws Exception;
    }

    private final String prefix;
    /** Each node's name and settings, in the order they start. */
    private final Map<String, String[]> settings = new LinkedHashMap<>();
    private Callable<EmbeddedRedis> redis = EmbeddedRedis::start;
    private @Nullable Companion companion;
    private boolean awaitMesh = true;

    /** Whether the nodes serve the whole class: the extension was registered in a static field. */
    private boolean perClass;
    private @Nullable ClusterNodes cluster;
    private @Nullable AutoCloseable companionStarted;
    private final Map<String, ConfigurableApplicationContext> nodes = new LinkedHashMap<>();

    private ClusterExtension(String prefix) {
        this.prefix = prefix;
    }

    /** No node yet: add them with {@link #node}. The keys of this cluster start with {@code prefix}. */
    static ClusterExtension withPrefix(String prefix) {
        return new ClusterExtension(prefix);
    }

    /** {@code node-a} and {@code node-b}, both with {@code settings} ({@code name=value} each). */
    static ClusterExtension twoNodes(String prefix, String... settings) {
        return withPrefix(prefix).node("node-a", settings).node("node-b", settings);
    }

    /** {@code node-a}, {@code node-b} and {@code node-c}, all with {@code settings}. */
    static ClusterExtension threeNodes(String prefix, String... settings) {
        return twoNodes(prefix, settings).node("node-c", settings);
    }

    /** One more node, started after those named before it, with settings of its own. */
    ClusterExtension node(String name, String... settings) {
        this.settings.put(name, settings.clone());
        return this;
    }

    /** The Redis to start the nodes on, instead of a new plain one; stopped after them. */
    ClusterExtension onRedis(Callable<EmbeddedRedis> redis) {
        this.redis = redis;
        return this;
    }

    /** Started once Redis is up and before the nodes, so that it boots while they start; closed before them. */
    ClusterExtension beforeNodes(Companion companion) {
        this.companion = companion;
        return this;
    }

    /** Does not wait for the mesh: the test waits for what it needs (a node outside this extension, say). */
    ClusterExtension withoutMeshWait() {
        this.awaitMesh = false;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        this.perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!this.perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!this.perClass) {
            stop();
        }
    }

    private void start() throws Exception {
        ClusterNodes cluster = ClusterNodes.on(this.redis.call(), this.prefix);
        this.cluster = cluster;
        try {
            if (this.companion != null) {
                this.companionStarted = this.companion.start(cluster.redis());
            }
            for (Map.Entry<String, String[]> node : this.settings.entrySet()) {
                this.nodes.put(node.getKey(), cluster.start(node.getKey(), node.getValue()));
            }
            if (this.awaitMesh) {
                cluster.awaitMesh();
            }
        }
        catch (Exception | Error ex) {
            // What started is closed at once: the after-callback then finds nothing left to close.
            try {
                stop();
            }
            catch (Exception closing) {
                ex.addSuppressed(closing);
            }
            throw ex;
        }
    }

    private void stop() throws Exception {
        ClusterNodes cluster = this.cluster;
        AutoCloseable companion = this.companionStarted;
        this.cluster = null;
        this.companionStarted = null;
        this.nodes.clear();
        try {
            if (companion != null) {
                companion.close();
            }
        }
        finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    /** A node this extension started, by name. */
    ConfigurableApplicationContext node(String name) {
        ConfigurableApplicationContext node = this.nodes.get(name);
        if (node == null) {
            throw new IllegalStateException("no node " + name + " is running: the nodes are " + this.nodes.keySet());
        }
        return node;
    }

    ConfigurableApplicationContext a() {
        return node("node-a");
    }

    ConfigurableApplicationContext b() {
        return node("node-b");
    }

    ConfigurableApplicationContext c() {
        return node("node-c");
    }

    /** The cluster the nodes belong to: to start another node on it, say. */
    ClusterNodes cluster() {
        if (this.cluster == null) {
            throw new IllegalStateException("the cluster is not running");
        }
        return this.cluster;
    }

    EmbeddedRedis redis() {
        return cluster().redis();
    }

    /** Waits until every running node sees all the others alive, as the start does. */
    void awaitMesh() {
        cluster().awaitMesh();
    }
}
