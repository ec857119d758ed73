package io.switchboard.support;

import java.util.stream.Collectors;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Names each unknown {@code switchboard.*} setting, where it was set, and what it perhaps meant. */
final class UnknownSettingsFailureAnalyzer extends AbstractFailureAnalyzer<UnknownSettingsException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownSettingsException cause) {
        String description = cause.settings().stream()
                .map((setting) -> "Unknown setting " + setting.name() + " (from " + setting.origin() + ")"
                        + ((setting.nearest() != null) ? ": did you mean " + setting.nearest() + "?" : ""))
                .collect(Collectors.joining(System.lineSeparator()));
        boolean environment = cause.settings().stream().anyMatch((setting) -> setting.name().startsWith("SWITCHBOARD_"));
        return new FailureAnalysis(description, "Correct or remove it: nothing reads it, and the server does not start"
                + " with a setting it would ignore. The settings are in docs/PROTOCOL.md section 6, docs/ADMIN-API.md"
                + " and docs/cluster.md."
                + (environment ? " Environment variables SWITCHBOARD_* count too (Kubernetes makes such variables for"
                        + " a Service named switchboard unless the pod has enableServiceLinks: false)." : ""),
                cause);
    }
}
