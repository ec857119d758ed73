package io.switchboard.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The application's settings as a pod of an overlay gets them: the container's environment
 * variables, read the way Spring Boot reads the process environment, over the defaults the
 * configuration metadata of every jar (and of this project) declares.
 */
final class ApplicationSettings {

    /** A name Spring Boot maps like the real environment (SWITCHBOARD_TCP_PORT for switchboard.tcp.port). */
    static final String SOURCE_NAME = "manifest-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;

    private static final Map<String, Object> DEFAULTS = metadataDefaults();

    private final Binder binder;

    ApplicationSettings(Map<String, String> environment) {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addLast(environmentSource(environment));
        sources.addLast(new MapPropertySource("configuration-metadata-defaults", DEFAULTS));
        this.binder = new Binder(ConfigurationPropertySources.from(sources));
    }

    static SystemEnvironmentPropertySource environmentSource(Map<String, String> environment) {
        return new SystemEnvironmentPropertySource(SOURCE_NAME, new LinkedHashMap<>(environment));
    }

    /** The bound value of a property, failing when neither the manifests nor a default give one. */
    <T> T get(String property, Class<T> type) {
        return this.binder.bind(property, type)
            .orElseThrow(() -> new AssertionError(property + " is neither set by the manifests nor has a documented default"));
    }

    private static Map<String, Object> metadataDefaults() {
        Map<String, Object> defaults = new HashMap<>();
        try {
            Resource[] files = new PathMatchingResourcePatternResolver()
                .getResources("classpath*:META-INF/spring-configuration-metadata.json");
            for (Resource file : files) {
                try (InputStream in = file.getInputStream()) {
                    Map<String, Object> metadata = JsonParserFactory.getJsonParser()
                        .parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    for (Object entry : (List<?>) metadata.getOrDefault("properties", List.of())) {
                        Map<?, ?> property = (Map<?, ?>) entry;
                        Object value = property.get("defaultValue");
                        if (value != null && !(value instanceof List) && !(value instanceof Map)) {
                            defaults.put((String) property.get("name"), String.valueOf(value));
                        }
                    }
                }
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot read the configuration metadata", ex);
        }
        if (!defaults.containsKey("switchboard.tcp.port")) {
            throw new IllegalStateException("no configuration metadata for switchboard.*: is the configuration processor running?");
        }
        return defaults;
    }
}
