package io.switchboard.support;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Stops the start when a {@code switchboard.*} setting is one that nothing reads: Spring Boot
 * ignores unknown properties, so {@code --switchboard.tcp.max-payload-bytes=10} used to start a
 * server with the default of 1 MiB. Runs as soon as the environment is ready, before any bean.
 *
 * <p>Every source is checked (command line, environment variables, configuration files, test
 * properties) except the JVM's system properties, which the JVM shares with every tool in it.
 * Registered in {@code META-INF/spring.factories}.
 */
public final class UnknownSettingsCheck implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        ClassLoader classLoader = (application.getClassLoader() != null) ? application.getClassLoader()
                : UnknownSettingsCheck.class.getClassLoader();
        KnownSettings known = KnownSettings.load(classLoader);
        if (known.isEmpty()) {
            return; // No metadata (a build without the configuration processor): nothing to check against.
        }
        List<UnknownSettingsException.UnknownSetting> unknown = new ArrayList<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)
                    || source.getName().equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)) {
                continue;
            }
            for (String key : enumerable.getPropertyNames()) {
                if (KnownSettings.isOurs(key) && !known.contains(key)) {
                    unknown.add(new UnknownSettingsException.UnknownSetting(key, origin(source, key),
                            known.nearest(key).orElse(null)));
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownSettingsException(unknown);
        }
    }

    private static String origin(PropertySource<?> source, String key) {
        Origin origin = OriginLookup.getOrigin(source, key);
        return (origin != null) ? origin.toString() : "property source '" + source.getName() + "'";
    }
}
