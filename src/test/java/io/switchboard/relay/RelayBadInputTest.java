package io.switchboard.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad input gets its documented outcome and never takes the server down: after each case,
 * fresh clients relay as usual and the clients involved leave the registry.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "switchboard.tcp.port=0")
class RelayBadInputTest extends RelayTestSupport {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void garbageBytes() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            TestClient client = connect();
            byte[] garbage = new byte[1 + random.nextInt(8192)];
            random.nextBytes(garbage);
            client.writeRaw(garbage);
            // Read as SEND frames, random bytes soon declare a length over the limit: the server
            // answers FRAME_TOO_LARGE, then closes. Frames before it may be routed, to IDs that
            // are almost all unknown.
            List<Incoming> frames = client.readUntilClosed();
            assertThat(frames).as("round %s", round).isNotEmpty();
            SendError last = (SendError) frames.get(frames.size() - 1);
            assertThat(last.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(last.seq()).isEqualTo(frames.stream().filter(SendError.class::isInstance).count());
        }
        assertRelayWorks();
        awaitRegistryEmpty();
    }

    @Test
    void truncatedFrameThenClose() throws Exception {
        TestClient receiver = connect();
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, receiver.id(), 100);
        for (int cut : new int[] { 1, 3, 7, 8, 9, 50, 107 }) {
            TestClient client = connect();
            byte[] frame = TestClient.frames(header, new byte[100]);
            client.writeRaw(Arrays.copyOf(frame, cut));
            client.close();
        }
        // Not one of the partial frames reached the receiver: the next DELIVER is this marker.
        TestClient marker = connect();
        marker.send(receiver.id(), "marker".getBytes());
        Message next = receiver.readDeliver();
        assertThat(next.src()).isEqualTo(Integer.toUnsignedLong(marker.id()));
        assertThat(next.payload()).isEqualTo("marker".getBytes());
        assertRelayWorks();
        receiver.close();
        marker.close();
        awaitRegistryEmpty();
    }

    @Test
    void lengthOfAllOnes() throws Exception {
        TestClient client = connect();
        byte[] header = new byte[Wire.SEND_HEADER_BYTES];
        Wire.putSendHeader(header, 0, client.id(), 0xFFFF_FFFF);
        client.writeRaw(TestClient.frames(header, new byte[1000]));
        assertThat(client.readError()).isEqualTo(new SendError(ErrorCode.FRAME_TOO_LARGE, Integer.toUnsignedLong(client.id()), 1));
        assertThat(client.awaitClosedByServer(CLOSE_TIMEOUT)).isTrue();
        assertRelayWorks();
        awaitRegistryEmpty();
    }

    /**
     * Thousands of connections that come and go in every way a client can leave: before
     * reading its ID, after it, after a SEND it did not wait for. The registry returns to its
     * size before them, and IDs keep coming.
     */
    @Test
    void thousandsOfConnectDisconnectCycles() throws Exception {
        int baseline = this.registry.size();
        int port = port();
        int cycles = 3000;
        long start = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            try (Socket socket = new Socket()) {
                socket.setSoTimeout(10_000);
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                switch (i % 3) {
                    case 0 -> { }
                    case 1 -> assertThat(socket.getInputStream().readNBytes(4)).hasSize(4);
                    default -> {
                        InputStream in = socket.getInputStream();
                        byte[] id = in.readNBytes(4);
                        socket.getOutputStream().write(TestClient.sendFrame(Wire.getInt(id, 0), new byte[10]));
                    }
                }
            }
        }
        System.out.printf("%d connect/disconnect cycles in %d ms%n", cycles, (System.nanoTime() - start) / 1_000_000);
        await().atMost(PATIENCE).until(() -> this.registry.size() == baseline);
        assertRelayWorks();
        awaitRegistryEmpty();
    }

    /** Clients that never send, some halfway through a frame header, hold nobody up. */
    @Test
    void clientsThatConnectAndNeverSend() throws Exception {
        List<TestClient> idle = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            TestClient client = (i % 2 == 0) ? TestClient.connectWithoutGreeting(port()) : connect();
            if (i % 5 == 0) {
                client.writeRaw(new byte[] { 0, 0, 0 });
            }
            idle.add(track(client));
        }

        await().atMost(PATIENCE).until(() -> this.registry.size() == 100);

        assertRelayWorks();

        for (TestClient client : idle) {
            client.close();
        }
        awaitRegistryEmpty();

    }

    /** Two fresh clients exchange messages both ways. */
    private void assertRelayWorks() throws IOException {
        try (TestClient a = TestClient.connect(port()); TestClient b = TestClient.connect(port())) {
            a.send(b.id(), "ping".getBytes());
            Message ping = b.readDeliver();
            assertThat(ping.src()).isEqualTo(Integer.toUnsignedLong(a.id()));
            assertThat(ping.payload()).isEqualTo("ping".getBytes());
            b.send(a.id(), "pong".getBytes());
            assertThat(a.readDeliver().payload()).isEqualTo("pong".getBytes());
        }
    }

    private void awaitRegistryEmpty() {
        await().atMost(PATIENCE).until(() -> this.registry.size() == 0);
    }
}
