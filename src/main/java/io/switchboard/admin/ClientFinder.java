package io.switchboard.admin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

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
        Set<String> unanswered = new LinkedHashSet<>();
        long after = query.after();
        int scanned = 0;
        while (true) {
            ClientPage page = this.clients.page(after, ClientIds.MAX_LIMIT);
            unanswered.addAll(page.unanswered());
            for (ClientView client : page.clients()) {
                scanned++;
                after = client.id();
                if (query.matches(client) && matches.size() == query.size()) {
                    // A further match exists: the page is full and has a next.
                    return new Found(matches, matches.getLast().id(), false, List.copyOf(unanswered));
                }
                if (query.matches(client)) {
                    matches.add(client);
                }
            }
            if (page.next() == null) {
                return new Found(matches, null, false, List.copyOf(unanswered));
            }
            if (scanned >= SCAN_LIMIT) {
                return new Found(matches, after, true, List.copyOf(unanswered));
            }
        }
    }

    /** The first {@code size} matches in the query's order, kept in a heap of that size. */
    private Found best(ClientQuery query) {
        Comparator<ClientView> order = query.order().comparator();
        PriorityQueue<ClientView> best = new PriorityQueue<>(query.size() + 1, order.reversed());
        Set<String> unanswered = new LinkedHashSet<>();
        long after = 0;
        int scanned = 0;
        boolean truncated = false;
        while (true) {
            ClientPage page = this.clients.page(after, ClientIds.MAX_LIMIT);
            unanswered.addAll(page.unanswered());
            for (ClientView client : page.clients()) {
                scanned++;
                after = client.id();
                if (query.matches(client)) {
                    best.add(client);
                    if (best.size() > query.size()) {
                        best.poll(); // the worst of them
                    }
                }
            }
            if (page.next() == null) {
                break;
            }
            if (scanned >= SCAN_LIMIT) {
                truncated = true;
                break;
            }
        }
        List<ClientView> sorted = new ArrayList<>(best);
        sorted.sort(order);
        return new Found(sorted, null, truncated, List.copyOf(unanswered));
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
