package io.switchboard.relay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * The clients connected to this node, by ID. Lookups take no lock, so routing never waits
 * on a connect, a disconnect or another route.
 */
public final class ClientRegistry {

    private final ConcurrentHashMap<Integer, ClientSession> clients = new ConcurrentHashMap<>();

    public @Nullable ClientSession get(int id) {
        return this.clients.get(id);
    }

    /** @return false when the ID is already taken */
    boolean add(ClientSession session) {
        return this.clients.putIfAbsent(session.id(), session) == null;
    }

    boolean contains(int id) {
        return this.clients.containsKey(id);
    }

    void remove(ClientSession session) {
        this.clients.remove(session.id(), session);
    }

    public int size() {
        return this.clients.size();
    }

    public Collection<ClientSession> all() {
        return this.clients.values();
    }

    /** The clients with an ID above {@code after}, by ascending ID, at most {@code limit} of them plus one. */
    public List<ClientSession> pageAfter(long after, int limit) {
        List<ClientSession> page = new ArrayList<>();
        for (ClientSession session : this.clients.values()) {
            if (session.idAsLong() > after) {
                page.add(session);
            }
        }
        page.sort(Comparator.comparingLong(ClientSession::idAsLong));
        return (page.size() > limit + 1) ? page.subList(0, limit + 1) : page;
    }
}
