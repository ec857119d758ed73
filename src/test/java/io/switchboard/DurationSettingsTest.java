package io.switchboard;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.switchboard.admin.AdminProperties;
import io.switchboard.cluster.ClusterProperties;
import io.switchboard.relay.RelayProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A duration setting without a unit means seconds, every one of them: Spring Boot's default is
 * milliseconds, and {@code slow-consumer-timeout=30} evicted clients after 34 ms. Bound with
 * Spring Boot's own binder, as the application binds them.
 */
class DurationSettingsTest {

    @Test
    void aBareNumberIsSeconds() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(
                "switchboard.slow-consumer-timeout", "30",
                "switchboard.shutdown-grace", "3",
                "switchboard.admin.send-timeout", "7",
                "switchboard.cluster.heartbeat-interval", "2",
                "switchboard.cluster.heartbeat-ttl", "9",
                "switchboard.cluster.ack-timeout", "11",
                "switchboard.cluster.command-timeout", "4")));
        RelayProperties relay = binder.bindOrCreate("switchboard", RelayProperties.class);
        AdminProperties admin = binder.bindOrCreate("switchboard.admin", AdminProperties.class);
        ClusterProperties cluster = binder.bindOrCreate("switchboard.cluster", ClusterProperties.class);
        assertThat(relay.slowConsumerTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(relay.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(admin.sendTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(cluster.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(cluster.heartbeatTtl()).isEqualTo(Duration.ofSeconds(9));
        assertThat(cluster.ackTimeout()).isEqualTo(Duration.ofSeconds(11));
        assertThat(cluster.commandTimeout()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void aUnitStillSaysWhatItSays() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(
                "switchboard.slow-consumer-timeout", "250ms", "switchboard.shutdown-grace", "PT2M")));
        RelayProperties relay = binder.bindOrCreate("switchboard", RelayProperties.class);
        assertThat(relay.slowConsumerTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(relay.shutdownGrace()).isEqualTo(Duration.ofMinutes(2));
    }
}
