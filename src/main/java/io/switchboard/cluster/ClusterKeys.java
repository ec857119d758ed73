package io.switchboard.cluster;

import java.nio.charset.StandardCharsets;

/**
 * The names of the cluster's keys in Redis, all under one prefix (docs/cluster.md lists them):
 * {@code nodes} (set of node names), {@code next-id} (the ID counter),
 * {@code client:<id>} (the node holding a client), {@code node:<name>:alive} (liveness, with a
 * TTL), {@code node:<name>:clients} (set of the IDs a node holds), {@code node:<name>:inbox}
 * (the stream other nodes write to this node), {@code registry} (present while Redis holds the
 * registry: its absence means Redis is new or lost its data) and {@code reclaiming} (with a TTL:
 * while present, no node hands out IDs).
 */
record ClusterKeys(String prefix) {

    String nodes() {
        return this.prefix + "nodes";
    }

    String nextId() {
        return this.prefix + "next-id";
    }

    String registry() {
        return this.prefix + "registry";
    }

    String reclaiming() {
        return this.prefix + "reclaiming";
    }

    /** The prefix of {@code client:<id>}, for scripts that build the keys of many IDs. */
    String clientPrefix() {
        return this.prefix + "client:";
    }

    String client(int id) {
        return clientPrefix() + Integer.toUnsignedString(id);
    }

    String clients(String node) {
        return this.prefix + "node:" + node + ":clients";
    }

    byte[] inbox(String node) {
        return (this.prefix + "node:" + node + ":inbox").getBytes(StandardCharsets.UTF_8);
    }
}
