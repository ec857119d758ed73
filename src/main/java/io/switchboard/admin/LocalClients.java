package io.switchboard.admin;

import java.util.List;
import java.util.Optional;

import io.switchboard.protocol.Wire;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;
import io.switchboard.relay.Router;

/** The clients of this node, the only node when cluster mode is off. */
final class LocalClients implements Clients {

    private final ClientRegistry registry;
    private final Router router;

    LocalClients(ClientRegistry registry, Router router) {
        this.registry = registry;
        this.router = router;
    }

    @Override
    public ClientPage page(long after, int limit) {
        List<ClientSession> page = this.registry.pageAfter(after, limit);
        Long next = null;
        if (page.size() > limit) {
            page = page.subList(0, limit);
            next = page.getLast().idAsLong();
        }
        return new ClientPage(page.stream().map(ClientView::of).toList(), next, List.of());
    }

    @Override
    public Optional<ClientView> get(int id) {
        return connected(id).map(ClientView::of);
    }

    @Override
    public boolean disconnect(int id) {
        Optional<ClientSession> session = connected(id);
        session.ifPresent(ClientSession::disconnect);
        return session.isPresent();
    }

    @Override
    public boolean isConnected(int id) {
        return this.registry.get(id) != null;
    }

    @Override
    public OfferResult offer(int id, byte[] payload, MessageOrigin origin, long waitNanos) {
        return this.router.offer(id, Wire.OPERATOR_ID, payload, 0, payload.length, origin, 0, waitNanos);
    }

    @Override
    public Recipients broadcast(byte[] payload) {
        return new Recipients(this.router.broadcast(Wire.OPERATOR_ID, payload, MessageOrigin.NONE), List.of());
    }

    private Optional<ClientSession> connected(int id) {
        ClientSession session = this.registry.get(id);
        return (session == null || session.isClosed()) ? Optional.empty() : Optional.of(session);
    }
}
