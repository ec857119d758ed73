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
 * component covers Redis, and says what a node without it still does.
 * Registered in {@code META-INF/spring.factories}; an exclusion would not do, as it would apply
 * in cluster mode too.
 */
public final class RedisOnlyInClusterMode implements AutoConfigurationImportFilter, EnvironmentAware {

    private static final String REDIS_AUTO_CONFIGURATIONS = "org.springframework.boot.data.redis.autoconfigure.";
    private static final String REDIS_HEALTH = REDIS_AUTO_CONFIGURATIONS + "health.";

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
                    || (this.clusterEnabled && !candidate.startsWith(REDIS_HEALTH));
        }
        return match;
    }
}
