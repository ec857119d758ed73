package io.switchboard.support;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Spring Boot's one-paragraph failure report for a {@code switchboard.*} setting that the
 * application refused: the property, its value and where it was set (a file and line, an
 * environment variable, the command line), and why. The settings' records check their values
 * in their constructors and name the property first in the message ({@code
 * switchboard.max-clients must be at least 1}); Spring Boot's own report of such a failure names
 * only the record. Checks that need more than the setting itself (that {@code
 * switchboard.tcp.ssl.bundle} names a bundle that exists, that a key file holds a key) fail as
 * the application starts, with an IllegalArgumentException of the same form, possibly wrapped,
 * and are reported the same way. Values of passwords and secrets are not shown.
 */
final class SettingsFailureAnalyzer extends AbstractFailureAnalyzer<Exception> {

    private static final Pattern NAMED = Pattern.compile("^(switchboard\\.[a-z0-9.-]+) (.+)$", Pattern.DOTALL);

    private final @Nullable Environment environment;

    SettingsFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, Exception cause) {
        Matcher named = null;
        for (Throwable reason = cause; reason != null && named == null; reason = reason.getCause()) {
            if (reason instanceof IllegalArgumentException && reason.getMessage() != null) {
                Matcher matcher = NAMED.matcher(reason.getMessage());
                named = matcher.matches() ? matcher : null;
            }
        }
        if (named == null) {
            return null; // Spring Boot's own analyzers say it as well as can be said.
        }
        String property = named.group(1);
        ConfigurationProperty found = find(property);
        StringBuilder description = new StringBuilder("Invalid setting ").append(property);
        if (found != null) {
            String lower = property.toLowerCase(Locale.ROOT);
            description.append(" = ").append((lower.contains("password") || lower.contains("secret")) ? "(hidden)"
                    : "'" + found.getValue() + "'");
            if (found.getOrigin() != null) {
                description.append(" (from ").append(found.getOrigin()).append(')');
            }
        }
        else {
            description.append(" (its default, with the other settings)");
        }
        description.append(": ").append(property).append(' ').append(named.group(2));
        return new FailureAnalysis(description.toString(),
                "Change " + property + " (documented in docs/PROTOCOL.md section 6, docs/ADMIN-API.md or docs/cluster.md).",
                cause);
    }

    private @Nullable ConfigurationProperty find(String property) {
        if (this.environment == null) {
            return null;
        }
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
            ConfigurationProperty found = source.getConfigurationProperty(name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
