package io.switchboard.support;

import java.util.List;

import org.jspecify.annotations.Nullable;

/** Settings under {@code switchboard.} that no part of the application reads: a typo, most likely. */
final class UnknownSettingsException extends RuntimeException {

    private final List<UnknownSetting> settings;

    UnknownSettingsException(List<UnknownSetting> settings) {
        super("Unknown settings: " + settings.stream().map(UnknownSetting::name).toList());
        this.settings = settings;
    }

    List<UnknownSetting> settings() {
        return this.settings;
    }

    /**
     * @param name as its source spells it
     * @param origin where it was set
     * @param nearest the known setting it was perhaps meant to be
     */
    record UnknownSetting(String name, String origin, @Nullable String nearest) {
    }
}
