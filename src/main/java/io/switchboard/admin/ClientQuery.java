package io.switchboard.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.Wire;

/**
 * What the console's client list shows: a search, an order, a page.
 *
 * @param search part of an address or subject, or a whole ID; empty for every client
 * @param order the order of the list
 * @param after by ID only: the clients above this ID
 * @param size clients per page
 */
record ClientQuery(String search, Order order, long after, int size) {

    static final int DEFAULT_SIZE = 50;
    static final int MAX_SIZE = 500;

    /** The query of the list's parameters; anything out of range falls back to its default rather than failing. */
    static ClientQuery of(@Nullable String search, @Nullable String order, @Nullable String after,
            @Nullable String size) {
        return new ClientQuery((search == null) ? "" : search.strip(), Order.of(order), number(after, 0, Wire.MAX_ID, 0),
                (int) number(size, 1, MAX_SIZE, DEFAULT_SIZE));
    }

    /** The whole list by ID: the one view the relay pages for us, and the one whose live updates add and drop rows. */
    boolean isPlainList() {
        return this.search.isEmpty() && this.order == Order.ID;
    }

    /** The search as a client ID, when it is one; -1 otherwise. */
    long searchedId() {
        long id = number(this.search, 1, Wire.MAX_ID, -1);
        return (this.search.chars().allMatch(Character::isDigit)) ? id : -1;
    }

    boolean matches(ClientView client) {
        String needle = this.search.toLowerCase(Locale.ROOT);
        return needle.isEmpty() || client.remoteAddress().toLowerCase(Locale.ROOT).contains(needle)
                || (client.subject() != null && client.subject().toLowerCase(Locale.ROOT).contains(needle));
    }

    private static long number(@Nullable String text, long min, long max, long fallback) {
        if (text == null || text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
            return fallback;
        }
        long value = Long.parseLong(text);
        return (value < min || value > max) ? fallback : value;
    }

    /** The orders the list offers; all but {@link #ID} largest first. */
    enum Order {

        ID("id", "ID", null),
        QUEUED("queued", "queued bytes", ClientView::queuedBytes),
        RATE_IN("rate-in", "messages in per second since connecting", (client) -> perSecond(client, client.messagesIn())),
        RATE_OUT("rate-out", "messages out per second since connecting",
                (client) -> perSecond(client, client.messagesOut()));

        final String param;
        final String label;
        private final @Nullable ToDoubleFunction<ClientView> key;

        Order(String param, String label, @Nullable ToDoubleFunction<ClientView> key) {
            this.param = param;
            this.label = label;
            this.key = key;
        }

        static Order of(@Nullable String param) {
            for (Order order : values()) {
                if (order.param.equals(param)) {
                    return order;
                }
            }
            return ID;
        }

        /** Largest first; ties by ID, so that a page is stable. */
        Comparator<ClientView> comparator() {
            Comparator<ClientView> byId = Comparator.comparingLong(ClientView::id);
            return (this.key == null) ? byId : Comparator.comparingDouble(this.key).reversed().thenComparing(byId);
        }

        /**
         * A rate over the client's whole connection: the only one a single pass can rank
         * 100,000 clients by without keeping earlier counters for each. The list's rate columns
         * are the live ones, of the last second.
         */
        private static double perSecond(ClientView client, long count) {
            double seconds = Duration.between(Instant.parse(client.connectedAt()), Instant.now()).toMillis() / 1000.0;
            return count / Math.max(1.0, seconds);
        }
    }
}
