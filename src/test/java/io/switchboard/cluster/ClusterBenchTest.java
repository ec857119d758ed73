package io.switchboard.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.cli.bench.BenchCommandTest;
import io.switchboard.cli.bench.BenchCommandTest.Run;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bench --other-node}: the two clients of every pair on two nodes, each message from one to the other. */
class ClusterBenchTest {

    @RegisterExtension
    static final ClusterExtension nodes = ClusterExtension.twoNodes("bench:");

    private static double delivered(ConfigurableApplicationContext node) {
        return node.getBean(MeterRegistry.class).get("switchboard.messages.delivered").counter().count();
    }

    @Test
    void pairsAcrossTwoNodesDeliverEveryMessageFromOneNodeToTheOther() {
        ConfigurableApplicationContext a = nodes.a();
        ConfigurableApplicationContext b = nodes.b();
        double deliveredByA = delivered(a);
        double deliveredByB = delivered(b);

        Run run = BenchCommandTest.bench(ClusterNodes.tcpPort(a), "--scenario", "pairs", "-c", "4", "-m", "100", "-w", "16",
                "-d", "1s", "--warmup", "200ms", "--json", "--other-node", "127.0.0.1:" + ClusterNodes.tcpPort(b));

        BenchCommandTest.assertAllDelivered(run);
        // Each pair has one client on each node, and they send to each other: both nodes deliver, half each.
        double sent = run.number("$.sent");
        assertThat(delivered(a) - deliveredByA).isGreaterThan(sent / 4);
        assertThat(delivered(b) - deliveredByB).isGreaterThan(sent / 4);
        assertThat(a.getBean(RemoteRouter.class).pendingCount()).isZero();
    }

    @Test
    void otherNodeIsForThePairedScenariosOnly() {
        Run connect = BenchCommandTest.bench(ClusterNodes.tcpPort(nodes.a()), "--scenario", "connect", "-c", "2",
                "--other-node", "127.0.0.1:1");
        assertThat(connect.exitCode()).isEqualTo(2);
        assertThat(connect.err()).contains("--other-node works with pairs, latency and fanin");
        Run pidAlone = BenchCommandTest.bench(ClusterNodes.tcpPort(nodes.a()), "--scenario", "pairs", "--other-node-pid", "1");
        assertThat(pidAlone.exitCode()).isEqualTo(2);
        assertThat(pidAlone.err()).contains("--other-node-pid needs --other-node");
    }
}
