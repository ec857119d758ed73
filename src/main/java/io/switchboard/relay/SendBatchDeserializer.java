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
 * complete SEND frame of it. The reading state is the connection's own reader, which comes with
 * its stream, so one instance serves every connection.
 */
final class SendBatchDeserializer implements Deserializer<SendBatch> {

    @Override
    public SendBatch deserialize(InputStream inputStream) throws IOException {
        if (!(inputStream instanceof RelayConnection.Input input)) {
            throw new IllegalStateException("not the stream of a " + RelayConnection.class.getSimpleName());
        }
        try {
            return input.reader.read(inputStream);
        }
        catch (EOFException ex) {
            // The client closed its side, or the reader ended on purpose: a normal end, not an error to log.
            throw new SoftEndOfStreamException(ex.getMessage());
        }
    }
}
