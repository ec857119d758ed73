package io.switchboard.admin;

import java.util.Optional;

import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;

/**
 * The clients the operator reaches: this node's on a single node ({@link LocalClients}), every
 * node's in cluster mode ({@link ClusterClients}). The controllers see no difference.
 */
interface Clients {

    /** Clients with an ID above {@code after}, by ascending ID, at most {@code limit}. */
    ClientPage page(long after, int limit);

    /** One connected client. */
    Optional<ClientView> get(int id);

    /** Disconnects a client; false when none with this ID is connected. */
    boolean disconnect(int id);

    /** Whether a client with this ID is connected now. */
    boolean isConnected(int id);

    /** Offers a message from the operator ({@code src} 0), as {@code Router.offer} does. */
    OfferResult offer(int id, byte[] payload, MessageOrigin origin, long waitNanos);

    /** Offers a message from the operator to every client whose queue has room now, without waiting. */
    Recipients broadcast(byte[] payload);
}
