package io.switchboard.cli.bench;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.switchboard.client.ClientTls;
import io.switchboard.cli.HostPort;

/**
 * The options of a bench run ({@link BenchCommand} reads them from the command line); names and
 * defaults as the neutral load generator swload has them, so that figures compare.
 *
 * @param server where the server listens
 * @param scenario what to measure
 * @param clients clients taking part (pairs, latency, slow: even; fanin: C-1 senders and one receiver)
 * @param size payload bytes of every message, at least {@link Payload#HEADER_BYTES}
 * @param window messages in flight per sender (pairs, fanin); connects in flight (connect)
 * @param rate aggregate messages per second (latency, slow)
 * @param flooders clients flooding the client that never reads (slow)
 * @param duration measured time; for connect, how long every connection is held open before
 *        the server's memory is read
 * @param warmup unmeasured time before it
 * @param drain longest wait after the run for the outcome of messages in flight
 * @param serverPid the server's process ID, for its CPU time per message; 0 when unknown
 * @param json print one JSON line on standard output, the summary on standard error
 * @param progress print a progress line each second on standard error
 * @param token the connect token of every client, for a server in token mode; null for none.
 *        It must not name a {@code sid}: each client would replace the one before
 * @param tls connect with TLS; null for plain TCP
 * @param otherNode (cluster mode) where the second client of each pair, or fanin's receiver,
 *        connects, so that every message goes from one node to another; null: all to {@code server}
 * @param otherNodePid that node's process ID, whose CPU time is added to the server's; 0 when unknown
 */
public record BenchOptions(HostPort server, Scenario scenario, int clients, int size, int window, int rate,
        int flooders, Duration duration, Duration warmup, Duration drain, long serverPid, boolean json,
        boolean progress, @Nullable String token, @Nullable ClientTls tls, @Nullable HostPort otherNode,
        long otherNodePid) {

    public BenchOptions {
        require(size >= Payload.HEADER_BYTES, "--size must be at least " + Payload.HEADER_BYTES);
        require(window >= 1, "--window must be at least 1");
        require(rate >= 1, "--rate must be at least 1");
        require(flooders >= 1, "--flooders must be at least 1");
        require(duration.isPositive() && duration.compareTo(Duration.ofMinutes(10)) <= 0,
                "--duration must be more than 0 and at most 10m");
        require(!warmup.isNegative() && !drain.isNegative(), "--warmup and --drain must not be negative");
        require(otherNode != null || otherNodePid == 0, "--other-node-pid needs --other-node");
        require(otherNode == null || scenario == Scenario.PAIRS || scenario == Scenario.LATENCY
                || scenario == Scenario.FANIN, "--other-node works with pairs, latency and fanin");
        if (scenario == Scenario.CONNECT) {
            require(clients >= 1, "--clients must be at least 1 for connect");
            // Its connects are non-blocking channels on one selector: no TLS there.
            require(tls == null, "--tls is not supported with --scenario connect");
        }
        else if (scenario == Scenario.FANIN) {
            require(clients >= 2, "--clients must be at least 2 for fanin");
        }
        else {
            require(clients >= 2 && clients % 2 == 0, "--clients must be even and at least 2 for " + scenario.label());
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
