package io.switchboard.cluster;

import java.io.IOException;
import java.net.ServerSocket;

import redis.embedded.RedisServer;

/**
 * A real redis-server, the binary shipped inside the embedded-redis test dependency, on a free
 * loopback port. No persistence: a restart comes back empty, the harder case for the cluster.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private final int port;
    private RedisServer server;

    private EmbeddedRedis(int port) {
        this.port = port;
    }

    public static EmbeddedRedis start() throws IOException {
        EmbeddedRedis redis = new EmbeddedRedis(freePort());
        redis.startServer();
        return redis;
    }

    public int port() {
        return this.port;
    }

    void startServer() throws IOException {
        this.server = RedisServer.newRedisServer()
                .port(this.port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no")
                .build();
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
        stopServer();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
