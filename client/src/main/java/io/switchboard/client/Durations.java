package io.switchboard.client;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations as a person writes them on the command line and reads them in messages:
 * {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1m30s}; never {@code PT10S}.
 */
public final class Durations {

    private Durations() {
    }

    /**
     * Parses {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1.5s}, {@code 1h}, {@code 7d}, or a
     * bare number of seconds.
     * @throws IllegalArgumentException with a message fit for a user
     */
    public static Duration parse(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("d")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 86_400_000));
            }
            if (v.endsWith("h")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 3_600_000));
            }
            if (v.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000));
            }
            if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            }
            double seconds = Double.parseDouble(v);
            if (!Double.isFinite(seconds)) {
                throw new NumberFormatException(v);
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        }
        catch (NumberFormatException | ArithmeticException ex) {
            throw new IllegalArgumentException("expected a duration such as 10s, 500ms, 2m or 1h, got '" + text + "'");
        }
    }

    /** {@code 10s}, {@code 500ms}, {@code 1m30s}, {@code 0s}: whole milliseconds at most. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        if (seconds < 60) {
            return seconds + "s";
        }
        return (seconds / 60) + "m" + ((seconds % 60 == 0) ? "" : (seconds % 60) + "s");
    }
}
