package io.switchboard.admin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Finds the clients of one page of the console's list, through {@link Clients} as the API does,
 * and never holds more than a page of them: the plain list is one page of the registry; a
 * search or an order walks the clients in pages of {@link ClientIds#MAX_LIMIT}, keeping only
 * the matches of the page (a search) or the best {@code size} so far (an order), and stops after
 * {@link #SCAN_LIMIT} clients, saying so.
 */
final class ClientFinder {

    /** Clients looked at for one search or order; more than a node holds at its usual max-clients. */
    static final int SCAN_LIMIT = 200_000;

    private final Clients clients;

    ClientFinder(Clients clients) {
        this.clients = clients;
    }

    Found find(ClientQuery query) {
        if (query.isPlainList()) {
            ClientPage page = this.clients.page(query.after(), query.size());
            return new Found(page.clients(), page.next(), false, page.unanswered());
        }
        long id = query.searchedId();
        if (id > 0) {
            return new Found(this.clients.get((int) id).stream().toList(), null, false, List.of());
        }
        return (query.order() == ClientQuery.Order.ID) ? search(query) : best(query);
    }

    /** Matches by ascending ID, a page at a time: the next page starts after the last match. */
    private Found search(ClientQuery query) {
        List<ClientView> matches = new ArrayList<>();
        Walk walk = walk(query.after(), (client) -> {
            if (!query.matches(client)) {
                return true;
            }
            if (matches.size() == query.size()) {
                return false; // a further match: the page is full and has a next
            }
            matches.add(client);
            return true;
        });
        Long next = switch (walk.end()) {
            case STOPPED -> matches.getLast().id();
            case SCAN_LIMIT -> walk.last();
            case LAST_CLIENT -> null;
        };
        return new Found(matches, next, walk.end() == End.SCAN_LIMIT, walk.unanswered());
    }

    /** The first {@code size} matches in the query's order, kept in a heap of that size. */
    private Found best(ClientQuery query) {
        Comparator<ClientView> order = query.order().comparator();
        PriorityQueue<ClientView> best = new PriorityQueue<>(query.size() + 1, order.reversed());
        Walk walk = walk(0, (client) -> {
            if (query.matches(client)) {
                best.add(client);
                if (best.size() > query.size()) {
                    best.poll(); // the worst of them
                }
            }
            return true;
        });
        List<ClientView> sorted = new ArrayList<>(best);
        sorted.sort(order);
        return new Found(sorted, null, walk.end() == End.SCAN_LIMIT, walk.unanswered());
    }

    /**
     * Shows {@code visit} the clients above {@code after} by ascending ID, a page of
     * {@link ClientIds#MAX_LIMIT} at a time, until it answers false, the last client, or
     * {@link #SCAN_LIMIT} clients.
     */
    private Walk walk(long after, Predicate<ClientView> visit) {
        Set<String> unanswered = new LinkedHashSet<>();
        long last = after;
        int scanned = 0;
        while (true) {
            ClientPage page = this.clients.page(last, ClientIds.MAX_LIMIT);
            unanswered.addAll(page.unanswered());
            for (ClientView client : page.clients()) {
                if (!visit.test(client)) {
                    return new Walk(End.STOPPED, last, List.copyOf(unanswered));
                }
                scanned++;
                last = client.id();
            }
            if (page.next() == null) {
                return new Walk(End.LAST_CLIENT, last, List.copyOf(unanswered));
            }
            if (scanned >= SCAN_LIMIT) {
                return new Walk(End.SCAN_LIMIT, last, List.copyOf(unanswered));
            }
        }
    }

    private enum End { STOPPED, LAST_CLIENT, SCAN_LIMIT }

    private record Walk(End end, long last, List<String> unanswered) {
    }

    /**
     * One page of the list.
     *
     * @param clients the page's clients, in the query's order
     * @param next the {@code after} of the next page, by ID; null when there is none
     * @param truncated whether the walk stopped at {@link #SCAN_LIMIT} before the last client
     * @param unanswered cluster mode: nodes that did not answer, whose clients are missing
     */
    record Found(List<ClientView> clients, @Nullable Long next, boolean truncated, List<String> unanswered) {
    }
}
