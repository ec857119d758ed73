package io.switchboard.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real redis-server, the binary shipped inside the embedded-redis test dependency, on a free
 * loopback port. No persistence: a restart comes back empty, the harder case for the cluster.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private final int port;
    /** For a Redis that takes TLS connections on {@link #port}: its certificate, key and CA files; else null. */
    private final Path[] tls;
    private RedisServer server;
    private LettuceConnectionFactory factory;

    private EmbeddedRedis(int port, Path... tls) {
        this.port = port;
        this.tls = tls;
    }

    public static EmbeddedRedis start() throws IOException {
        EmbeddedRedis redis = new EmbeddedRedis(freePort());
        redis.startServer();
        return redis;
    }

    /**
     * A Redis that takes TLS connections only (clients need not present a certificate), on
     * {@link #port}; its plain port is another free one, which nobody is told.
     */
    public static EmbeddedRedis startWithTls(Path certificate, Path key, Path ca) throws IOException {
        EmbeddedRedis redis = new EmbeddedRedis(freePort(), certificate, key, ca);
        redis.startServer();
        return redis;
    }

    /** The port clients connect to: the TLS port of a Redis started with TLS. */
    public int port() {
        return this.port;
    }

    /** A started connection factory to this Redis (plain, not TLS), for tests that use the backplane directly; closed with it. */
    synchronized LettuceConnectionFactory connectionFactory() {
        if (this.factory == null) {
            this.factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", this.port));
            this.factory.afterPropertiesSet();
            this.factory.start();
        }
        return this.factory;
    }

    void startServer() throws IOException {
        RedisServerBuilder builder = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no");
        if (this.tls.length == 0) {
            builder.port(this.port);
        }
        else {
            builder.port(freePort())
                    .setting("tls-port " + this.port)
                    .setting("tls-cert-file " + this.tls[0])
                    .setting("tls-key-file " + this.tls[1])
                    .setting("tls-ca-cert-file " + this.tls[2])
                    .setting("tls-auth-clients no");
        }
        this.server = builder.build();
        this.server.start();
    }

    void stopServer() throws IOException {
        if (this.server != null) {
            this.server.stop();
            this.server = null;
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (this.factory != null) {
                this.factory.destroy();
                this.factory = null;
            }
        }
        stopServer();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
