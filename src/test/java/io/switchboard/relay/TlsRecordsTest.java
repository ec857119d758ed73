package io.switchboard.relay;

import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.cert.Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import io.switchboard.support.TestCa;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link TlsTransport} relies on to count what a client can read: a write of at most
 * {@link TlsTransport#RECORD_BYTES} is one TLS record, under TLS 1.3 and 1.2, checked against the
 * JDK's own TLS (an SSLEngine pair in memory, which cuts records as an SSLSocket does).
 */
class TlsRecordsTest {

    private static final TestCa CA = TestCa.create("Records Test CA");

    @ParameterizedTest
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void aChunkOfRecordBytesIsOneRecordAndOneByteMoreIsNot(String protocol) throws Exception {
        SSLEngine server = serverContext().createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine client = TestCa.clientContext(null, CA.certificate()).createSSLEngine("127.0.0.1", 7070);
        client.setUseClientMode(true);
        client.setEnabledProtocols(new String[] { protocol });
        handshake(client, server);
        assertThat(server.getSession().getProtocol()).isEqualTo(protocol);
        assertThat(TlsTransport.recordBytes(server.getSession().getPacketBufferSize())).isEqualTo(TlsTransport.RECORD_BYTES);

        ByteBuffer packet = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        SSLEngineResult whole = server.wrap(ByteBuffer.allocate(TlsTransport.RECORD_BYTES), packet);
        assertThat(whole.bytesConsumed()).as("one wrap makes one record").isEqualTo(TlsTransport.RECORD_BYTES);
        if (protocol.equals("TLSv1.3")) {
            packet.clear();
            SSLEngineResult more = server.wrap(ByteBuffer.allocate(16_384), packet);
            assertThat(more.bytesConsumed()).as("2^14 bytes are two records under TLS 1.3").isEqualTo(TlsTransport.RECORD_BYTES);
        }
    }

    @Test
    void aSessionWithSmallerRecordsGetsChunksThatFitThem() {
        // A client that asked for 4096-byte records: the packet holds the fragment and its overhead.
        assertThat(TlsTransport.recordBytes(4096 + 29)).isBetween(1, 4096 - 17);
        assertThat(TlsTransport.recordBytes(512 + 29)).isBetween(1, 512 - 17);
        assertThat(TlsTransport.recordBytes(100)).isEqualTo(1);
    }

    private static SSLContext serverContext() throws Exception {
        TestCa.Credential relay = CA.server("relay");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("relay", relay.key(), new char[0], new Certificate[] { relay.certificate(), relay.issuer() });
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context;
    }

    /** Runs both engines' handshake in memory, each one's packets fed to the other. */
    private static void handshake(SSLEngine client, SSLEngine server) throws Exception {
        ByteBuffer toServer = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        ByteBuffer toClient = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        ByteBuffer app = ByteBuffer.allocate(Math.max(client.getSession().getApplicationBufferSize(),
                server.getSession().getApplicationBufferSize()));
        ByteBuffer empty = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 200 && !(done(client) && done(server)); step++) {
            step(client, empty, toServer, toClient, app);
            step(server, empty, toClient, toServer, app);
        }
        assertThat(done(client) && done(server)).as("handshake finished").isTrue();
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }

    private static void step(SSLEngine engine, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer app)
            throws Exception {
        switch (engine.getHandshakeStatus()) {
            case NEED_WRAP -> engine.wrap(empty, out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                app.clear();
                engine.unwrap(in, app);
                in.compact();
            }
            case NEED_TASK -> {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
            }
            default -> {
            }
        }
    }
}
