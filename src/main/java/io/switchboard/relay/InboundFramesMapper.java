package io.switchboard.relay;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpMessageMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.support.GenericMessage;

import io.switchboard.protocol.SendBatch;

/**
 * Builds the one message of a read without the default mapper's header maps and socket
 * look-ups: the router needs only the frames and their sender.
 *
 * <p>Every message shares one empty, immutable header set without an {@code id} or
 * {@code timestamp}: nothing on the way to the router reads them, and making them (a random
 * UUID, a clock read, a map) was most of the 344 bytes and 100 ns of a read's message (JMH,
 * docs/performance.md).
 */
final class InboundFramesMapper extends TcpMessageMapper {

    private static final MessageHeaders NO_HEADERS = new NoHeaders();

    @Override
    public @Nullable Message<?> toMessage(TcpConnection connection, @Nullable Map<String, Object> headers) {
        Object payload = connection.getPayload();
        RelayConnection relay = (RelayConnection) connection;
        ClientSession sender = relay.session();
        if (payload == null) {
            return null;
        }
        SendBatch batch = (SendBatch) payload;
        if (sender == null) {
            // Token mode: the HELLO of a connection not admitted yet; what follows it is read next.
            Arrival.HelloHandler hello = relay.arrival().helloHandler();
            if (hello != null) {
                hello.hello(relay, batch);
            }
            else {
                // Refused while this reader waited (the HELLO's deadline): drop the rest unparsed.
                relay.drainAndClose();
            }
            return null;
        }
        return message(new InboundFrames(sender, batch));
    }

    /** The message of one read. */
    static Message<InboundFrames> message(InboundFrames frames) {
        return new GenericMessage<>(frames, NO_HEADERS);
    }

    @SuppressWarnings("serial")
    private static final class NoHeaders extends MessageHeaders {

        NoHeaders() {
            super(null, ID_VALUE_NONE, -1L);
        }
    }
}
