package io.switchboard.cli;

import java.time.Duration;

import picocli.CommandLine;

import io.switchboard.client.Durations;

/** For the command line: a duration as the server's settings write it ({@code 10s}, {@code 1h}); a bad one is a usage error. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        }
        catch (IllegalArgumentException ex) {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }
}
