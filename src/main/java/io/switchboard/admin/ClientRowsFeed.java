package io.switchboard.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The live rows of one open client list: the same page again every second (the plain list, so
 * clients that connect appear and those that leave go), or the same clients (a search or an
 * order, which is not run again each second). Rates are of the last second, from the counters
 * this feed saw before, for the rows it shows only.
 */
final class ClientRowsFeed implements ConsoleFeed {

    private final Clients clients;
    private final boolean cluster;
    private final long after;
    private final int size;
    private final List<Long> ids;
    private Map<Long, long[]> previous = new HashMap<>();
    private long previousNanos;

    private ClientRowsFeed(Clients clients, boolean cluster, long after, int size, List<Long> ids) {
        this.clients = clients;
        this.cluster = cluster;
        this.after = after;
        this.size = size;
        this.ids = ids;
    }

    static ClientRowsFeed page(Clients clients, boolean cluster, long after, int size) {
        return new ClientRowsFeed(clients, cluster, after, size, List.of());
    }

    static ClientRowsFeed of(Clients clients, boolean cluster, List<Long> ids) {
        return new ClientRowsFeed(clients, cluster, 0, 0, List.copyOf(ids));
    }

    @Override
    public Map<String, String> next() {
        List<ClientView> shown = new ArrayList<>();
        List<Long> gone = new ArrayList<>();
        if (this.size > 0) {
            shown.addAll(this.clients.page(this.after, this.size).clients());
        }
        else {
            for (long id : this.ids) {
                Optional<ClientView> client = this.clients.get((int) id);
                client.ifPresentOrElse(shown::add, () -> gone.add(id));
            }
        }
        return Map.of(ClientsView.ROWS_EVENT, ClientsView.rows(shown, rates(shown), this.cluster, gone));
    }

    private Map<Long, double[]> rates(List<ClientView> shown) {
        long now = System.nanoTime();
        double seconds = (now - this.previousNanos) / 1e9;
        Map<Long, long[]> counters = new HashMap<>();
        Map<Long, double[]> rates = new HashMap<>();
        for (ClientView client : shown) {
            long[] current = { client.messagesIn(), client.messagesOut() };
            counters.put(client.id(), current);
            long[] before = this.previous.get(client.id());
            if (before != null && seconds > 0) {
                rates.put(client.id(), new double[] { (current[0] - before[0]) / seconds, (current[1] - before[1]) / seconds });
            }
        }
        this.previous = counters;
        this.previousNanos = now;
        return rates;
    }
}
