package io.switchboard.relay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
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

    /**
     * The clients with an ID above {@code after}, by ascending ID, at most {@code limit} of them
     * plus one. One pass that keeps the lowest {@code limit + 1} in a heap, rather than a sort of
     * every client: a page of 50 out of 100,000 (the console's list, each second) costs a walk.
     */
    public List<ClientSession> pageAfter(long after, int limit) {
        Comparator<ClientSession> byId = Comparator.comparingLong(ClientSession::idAsLong);
        PriorityQueue<ClientSession> lowest = new PriorityQueue<>(Math.min(limit + 1, 1024), byId.reversed());
        for (ClientSession session : this.clients.values()) {
            long id = session.idAsLong();
            if (id <= after) {
                continue;
            }
            if (lowest.size() <= limit) {
                lowest.add(session);
            }
            else if (id < lowest.peek().idAsLong()) {
                lowest.poll();
                lowest.add(session);
            }
        }
        List<ClientSession> page = new ArrayList<>(lowest);
        page.sort(byId);
        return page;
    }
}
