package io.switchboard.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The connect token of {@code client} and {@code bench}, for a server in token mode: from
 * {@code --token}, else from the environment variable {@value #ENVIRONMENT} (which, unlike an
 * argument, other users of the machine cannot read in the process list).
 */
public final class TokenOption {

    /** Where the token is read from when {@code --token} is not given. */
    public static final String ENVIRONMENT = "SWITCHBOARD_TOKEN";

    @Option(names = "--token", paramLabel = "JWT", defaultValue = "${env:" + ENVIRONMENT + "}",
            description = "connect token for a server in token mode (default: $" + ENVIRONMENT + ")")
    private @Nullable String token;

    /** The token, or null when there is none (the server admits anyone). */
    public @Nullable String token() {
        return (this.token == null || this.token.isBlank()) ? null : this.token.strip();
    }
}
