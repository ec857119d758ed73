package io.switchboard.relay;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

import org.springframework.core.serializer.Deserializer;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

import io.switchboard.protocol.SendBatch;
import io.switchboard.protocol.SendBatchReader;

/**
 * Spring Integration's side of {@link SendBatchReader}: one message per read, carrying every
 * complete SEND frame of it. Stateless, so one instance serves every connection.
 */
final class SendBatchDeserializer implements Deserializer<SendBatch> {

    private final SendBatchReader reader;

    SendBatchDeserializer(long maxPayloadBytes) {
        this.reader = new SendBatchReader(maxPayloadBytes);
    }

    @Override
    public SendBatch deserialize(InputStream inputStream) throws IOException {
        try {
            // The connection's own buffer is free again: the router copied the last batch out
            // before this reader came back for the next.
            return (inputStream instanceof RelayConnection.Input connectionInput)
                    ? this.reader.read(inputStream, connectionInput.firstRead)
                    : this.reader.read(inputStream);
        }
        catch (EOFException ex) {
            // The client closed its side: a normal end, not an error to log.
            throw new SoftEndOfStreamException(ex.getMessage());
        }
    }
}
