package io.switchboard.relay;

import io.switchboard.protocol.SendBatch;

/** The payload of one inbound message: the SEND frames of one read, and the client that wrote them. */
record InboundFrames(ClientSession sender, SendBatch batch) {
}
