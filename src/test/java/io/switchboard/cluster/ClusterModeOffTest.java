package io.switchboard.cluster;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.switchboard.relay.IdAllocator;
import io.switchboard.relay.RemoteDestinations;

import static org.assertj.core.api.Assertions.assertThat;

/** A single node, even with a Redis address configured, has nothing of Redis nor of the cluster. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "switchboard.tcp.port=0", "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=1" })
class ClusterModeOffTest {

    @Autowired
    ApplicationContext context;

    @Test
    void noRedisNoClusterBeans() {
        assertThat(this.context.getBeanNamesForType(RedisConnectionFactory.class)).isEmpty();
        assertThat(this.context.getBeanNamesForType(RemoteDestinations.class)).isEmpty();
        assertThat(this.context.getBeanNamesForType(IdAllocator.class)).isEmpty();
        assertThat(this.context.containsBean("redisHealthContributor")).isFalse();
        assertThat(this.context.containsBean("clusterHealthIndicator")).isFalse();
    }
}
