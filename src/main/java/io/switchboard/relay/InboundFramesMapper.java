package io.switchboard.relay;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpMessageMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

import io.switchboard.protocol.SendBatch;

/**
 * Builds the one message of a read without the default mapper's header maps and socket
 * look-ups: the router needs only the frames and their sender.
 */
final class InboundFramesMapper extends TcpMessageMapper {

    @Override
    public @Nullable Message<?> toMessage(TcpConnection connection, @Nullable Map<String, Object> headers) {
        Object payload = connection.getPayload();
        ClientSession sender = ((RelayConnection) connection).session();
        if (payload == null || sender == null) {
            return null;
        }
        return new GenericMessage<>(new InboundFrames(sender, (SendBatch) payload));
    }
}
