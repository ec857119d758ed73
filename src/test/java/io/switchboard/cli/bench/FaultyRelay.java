package io.switchboard.cli.bench;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.SendBatchReader;

/**
 * A fast but wrong relay on loopback, to show that bench catches what a wrong server does:
 * every 100th message it routes is dropped in silence, has a byte changed, or is delivered twice;
 * or every client gets the same ID, or its connection is closed before its greeting.
 */
final class FaultyRelay implements AutoCloseable {

    enum Fault { DROP, CORRUPT, DUPLICATE, SAME_ID, NO_GREETING }

    private final Fault fault;
    private final ServerSocket server;
    private final Map<Integer, DataOutputStream> clients = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicLong routed = new AtomicLong();

    FaultyRelay(Fault fault) throws IOException {
        this.fault = fault;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("faulty-relay-accept").start(this::accept);
    }

    int port() {
        return this.server.getLocalPort();
    }

    private void accept() {
        try {
            while (true) {
                Socket socket = this.server.accept();
                if (this.fault == Fault.NO_GREETING) {
                    socket.close();
                    continue;
                }
                socket.setTcpNoDelay(true);
                int id = (this.fault == Fault.SAME_ID) ? 1 : this.ids.incrementAndGet();
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeInt(id);
                this.clients.put(id, out);
                Thread.ofVirtual().start(() -> relay(id, socket));
            }
        }
        catch (IOException ex) {
            // closed
        }
    }

    private void relay(int src, Socket socket) {
        SendBatchReader reader = new SendBatchReader(1 << 20);
        try (socket; InputStream in = socket.getInputStream()) {
            while (true) {
                SendBatch batch = reader.read(in);
                batch.forEach((dest, bytes, offset, length) -> deliver(src, dest, bytes, offset, length));
            }
        }
        catch (IOException | RuntimeException ex) {
            this.clients.remove(src);
        }
    }

    private void deliver(int src, int dest, byte[] bytes, int offset, int length) {
        DataOutputStream out = this.clients.get(dest);
        if (out == null) {
            return;
        }
        boolean faulty = this.routed.incrementAndGet() % 100 == 0;
        if (faulty && this.fault == Fault.DROP) {
            return;
        }
        byte[] payload = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
        if (faulty && this.fault == Fault.CORRUPT) {
            payload[length - 1] ^= 0x20;
        }
        try {
            synchronized (out) {
                for (int i = (faulty && this.fault == Fault.DUPLICATE) ? 2 : 1; i > 0; i--) {
                    out.writeByte(0x01);
                    out.writeInt(src);
                    out.writeInt(length);
                    out.write(payload);
                }
            }
        }
        catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    @Override
    public void close() throws IOException {
        this.server.close();
        for (DataOutputStream out : this.clients.values()) {
            out.close();
        }
    }
}
