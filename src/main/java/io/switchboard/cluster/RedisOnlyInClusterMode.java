package io.switchboard.cluster;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Keeps Spring Boot's Redis auto-configuration out unless {@code switchboard.cluster.enabled}
 * is true, so that a single node creates no Redis client and reports no Redis health
 * component. In cluster mode Redis's own health components stay out too: the {@code cluster}
 * component covers Redis, and says what a node without it still does. Lettuce's observation of
 * every command (a timer and a span each) stays out always: a busy link between two nodes runs
 * thousands of commands a second, and the observations cost more of a node's CPU than the
 * cluster's own work on them (docs/performance.md, "Cluster mode").
 * Registered in {@code META-INF/spring.factories}; an exclusion would not do, as it would apply
 * in cluster mode too.
 */
public final class RedisOnlyInClusterMode implements AutoConfigurationImportFilter, EnvironmentAware {

    private static final String REDIS_AUTO_CONFIGURATIONS = "org.springframework.boot.data.redis.autoconfigure.";
    private static final String REDIS_HEALTH = REDIS_AUTO_CONFIGURATIONS + "health.";
    private static final String REDIS_OBSERVATION = REDIS_AUTO_CONFIGURATIONS + "observation.";

    private boolean clusterEnabled;

    @Override
    public void setEnvironment(Environment environment) {
        this.clusterEnabled = environment.getProperty("switchboard.cluster.enabled", Boolean.class, false);
    }

    @Override
    public boolean[] match(@Nullable String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
        boolean[] match = new boolean[autoConfigurationClasses.length];
        for (int i = 0; i < match.length; i++) {
            String candidate = autoConfigurationClasses[i];
            match[i] = candidate == null || !candidate.startsWith(REDIS_AUTO_CONFIGURATIONS)
                    || (this.clusterEnabled && !candidate.startsWith(REDIS_HEALTH)
                            && !candidate.startsWith(REDIS_OBSERVATION));
        }
        return match;
    }
}
