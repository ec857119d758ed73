package io.switchboard.relay;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code switchboard.limits.connections-per-address} (PROTOCOL.md section 9): the connections
 * one remote IP address holds at once on this node. A connection takes a slot when it opens and
 * gives it back when it closes; one over the limit is closed without an ID. Thread-safe: the
 * count of an address changes inside the map's compute, and an address whose count falls to
 * zero leaves the map.
 */
final class AddressLimit {

    private final int limit;
    private final ConcurrentHashMap<InetAddress, Integer> connections = new ConcurrentHashMap<>();

    /** @param limit 0 for none */
    AddressLimit(int limit) {
        this.limit = limit;
    }

    boolean isOn() {
        return this.limit > 0;
    }

    /** @return whether the address had a slot free, now taken */
    boolean tryAcquire(InetAddress address) {
        boolean[] taken = new boolean[1];
        this.connections.compute(address, (key, count) -> {
            int now = (count == null) ? 0 : count;
            if (now >= this.limit) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    void release(InetAddress address) {
        this.connections.computeIfPresent(address, (key, count) -> (count <= 1) ? null : count - 1);
    }

}
