package io.switchboard.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.switchboard.auth.ConnectToken;
import io.switchboard.auth.TokenMinter;
import io.switchboard.protocol.Wire;

/**
 * {@code token}: mints a connect token offline, HS256 with the server's secret, as the admin
 * API's {@code POST /api/tokens} does: for scripts, and for a service that hands out tokens
 * without calling the server. The secret comes from the environment or a file, never from an
 * argument, which anyone on the machine could read in the process list.
 */
@Command(name = "token", header = "mints a connect token offline (HS256)", usageHelpWidth = 100,
        customSynopsis = "usage: java -jar switchboard.jar token [--sub S] [--sid N] [--send ID,...] [--ttl D]",
        synopsisHeading = "", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        description = {
            "Prints a connect token for a server in token mode whose switchboard.auth.jwt.secret is the",
            "secret given here: from $" + TokenCommand.SECRET_ENVIRONMENT + " (the server's own variable) or --secret-file.",
            "Issuer and audience default to $SWITCHBOARD_AUTH_JWT_ISSUER and $SWITCHBOARD_AUTH_JWT_AUDIENCE." })
public final class TokenCommand implements Callable<Integer> {

    static final String SECRET_ENVIRONMENT = "SWITCHBOARD_AUTH_JWT_SECRET";

    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    @Spec
    private CommandSpec spec;

    @Option(names = "--sub", paramLabel = "S", description = "the subject, shown in the admin API")
    private @Nullable String subject;

    @Option(names = "--sid", paramLabel = "N", description = "a stable ID, 1 to 2147483647 (default: the server assigns one)")
    private @Nullable Long stableId;

    @Option(names = "--send", paramLabel = "ID", split = ",", description = "the only IDs the client may send to (default: any)")
    private @Nullable List<Long> sendTo;

    @Option(names = "--ttl", paramLabel = "D", defaultValue = "1h", converter = DurationConverter.class,
            description = "lifetime, at most 30d (default ${DEFAULT-VALUE})")
    private Duration ttl;

    @Option(names = "--issuer", paramLabel = "ISS", defaultValue = "${env:SWITCHBOARD_AUTH_JWT_ISSUER}",
            description = "iss, as the server's switchboard.auth.jwt.issuer")
    private @Nullable String issuer;

    @Option(names = "--audience", paramLabel = "AUD", defaultValue = "${env:SWITCHBOARD_AUTH_JWT_AUDIENCE}",
            description = "aud, as the server's switchboard.auth.jwt.audience")
    private @Nullable String audience;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "a file holding the base64 secret")
    private @Nullable Path secretFile;

    public TokenCommand(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        byte[] secret = secret();
        if (!ConnectToken.isMintableTtl(this.ttl)) {
            throw usage("--ttl must be more than 0 and at most 30d");
        }
        if (this.stableId != null && this.stableId < 1) {
            // 0 would mean "no sid" to the token; asked for, it is out of range.
            throw usage("--sid must be from 1 to " + Wire.MAX_STABLE_ID);
        }
        long sid = (this.stableId == null) ? 0 : this.stableId;
        long[] send = (this.sendTo == null) ? null : this.sendTo.stream().mapToLong(Long::longValue).toArray();
        TokenMinter.Minted minted;
        try {
            minted = new TokenMinter(secret, this.issuer, this.audience, this.clock).mint(this.subject, sid, send,
                    this.ttl);
        }
        catch (IllegalArgumentException ex) {
            // "sid must be...", "send must hold...": the option's own name.
            throw usage("--" + ex.getMessage());
        }
        String compact = minted.token();
        if (compact.length() > Wire.MAX_TOKEN_BYTES) {
            throw usage("the token would be " + compact.length() + " bytes, over the " + Wire.MAX_TOKEN_BYTES
                    + " a HELLO carries: name fewer IDs in --send");
        }
        this.out.println(compact);
        this.err.println("expires at " + minted.expiresAt());
        return 0;
    }

    private byte[] secret() {
        String base64;
        if (this.secretFile != null) {
            try {
                base64 = Files.readString(this.secretFile, StandardCharsets.US_ASCII);
            }
            catch (IOException ex) {
                throw usage("--secret-file cannot be read: " + ex.getMessage());
            }
        }
        else {
            base64 = System.getenv(SECRET_ENVIRONMENT);
            if (base64 == null || base64.isBlank()) {
                throw usage("no secret: set $" + SECRET_ENVIRONMENT + " (base64, as the server's) or give --secret-file");
            }
        }
        byte[] secret;
        try {
            secret = Base64.getDecoder().decode(base64.strip());
        }
        catch (IllegalArgumentException ex) {
            throw usage("the secret is not base64: " + ex.getMessage());
        }
        if (secret.length < ConnectToken.MIN_SECRET_BYTES) {
            throw usage("the secret is " + secret.length + " bytes once decoded; HS256 needs at least "
                    + ConnectToken.MIN_SECRET_BYTES);
        }
        return secret;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(this.spec.commandLine(), message);
    }
}
