package io.switchboard.cli.bench;

import java.util.Locale;

/** What a bench run measures. */
public enum Scenario {

    /** C clients in pairs, each sending to its partner with at most W messages in flight: throughput. */
    PAIRS,

    /** Pairs at a fixed aggregate rate R, each payload carrying its send time: latency percentiles. */
    LATENCY,

    /** C-1 senders with W in flight each, all to one receiver. */
    FANIN,

    /**
     * Latency pairs while K more clients flood one extra client that never reads: a relay that
     * isolates clients keeps the pairs' latency where {@link #LATENCY} had it.
     */
    SLOW,

    /**
     * C connections, W connects in flight, each waiting for its greeting: connects per second;
     * then all held open for the duration, for the server's memory per idle client.
     */
    CONNECT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Senders keep a window of messages in flight (closed loop), rather than a fixed rate. */
    boolean windowed() {
        return this == PAIRS || this == FANIN;
    }

    static Scenario parse(String text) {
        for (Scenario s : values()) {
            if (s.label().equals(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + text + "': expected pairs, latency, fanin, slow or connect");
    }
}
