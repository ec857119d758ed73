package io.switchboard.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.switchboard.Commands;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code token} subcommand, as {@code main} runs it (without Spring): the token it prints is
 * an HS256 JWT that verifies with the secret and carries the claims asked for; a bad option or
 * no secret is a usage error (exit code 2) whose one line of error names the option, followed
 * by the one line of usage. The cases that depend on the environment run in a JVM of their own,
 * with an environment this test sets.
 */
public class TokenCommandTest {

    static final String USAGE = "usage: java -jar switchboard.jar token [--sub S] [--sid N] [--send ID,...] [--ttl D]";
    static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    static Path directory;

    public record Run(int exitCode, String out, String err) {
    }

    public static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Commands.run(args, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The test secret in a file, with the newline an editor or {@code echo} leaves. */
    static String secretFile() throws IOException {
        Path file = directory.resolve("secret");
        if (!Files.exists(file)) {
            Files.writeString(file, Tokens.SECRET + "\n", StandardCharsets.US_ASCII);
        }
        return file.toString();
    }

    /** The token a successful run printed: its one line of output, verified with the test secret. */
    static JWTClaimsSet verified(Run run) throws Exception {
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines()).as("stdout: the token alone").hasSize(1);
        SignedJWT jwt = SignedJWT.parse(run.out().strip());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.verify(new MACVerifier(Base64.getDecoder().decode(Tokens.SECRET)))).as("HS256 signature").isTrue();
        // And not with another secret: the check above can fail.
        assertThat(jwt.verify(new MACVerifier(Base64.getDecoder().decode("b3RoZXItc2VjcmV0LW9mLWF0LWxlYXN0LTMyLWJ5dGVzIQ=="))))
                .isFalse();
        return jwt.getJWTClaimsSet();
    }

    /** {@code exp} is {@code ttl} from the run's start, rounded up to a whole second, and stderr says so. */
    static void assertExpiry(JWTClaimsSet claims, Run run, Instant before, Instant after, Duration ttl) {
        Instant exp = claims.getExpirationTime().toInstant();
        assertThat(exp).isBetween(before.plus(ttl).truncatedTo(ChronoUnit.SECONDS),
                after.plus(ttl).plusSeconds(1).truncatedTo(ChronoUnit.SECONDS));
        assertThat(run.err().lines()).containsExactly("expires at " + exp);
    }

    @Test
    void printsAnHs256TokenWithTheClaimsAskedFor() throws Exception {
        Instant before = Instant.now();
        Run run = run("token", "--secret-file", secretFile(), "--sub", "sensor-7", "--sid", "42", "--send",
                "1,2,4294967295", "--ttl", "2h", "--issuer", "https://issuer.test", "--audience", "switchboard");
        Instant after = Instant.now();
        JWTClaimsSet claims = verified(run);
        assertThat(claims.getSubject()).isEqualTo("sensor-7");
        assertThat(claims.getClaim("sid")).isInstanceOf(Number.class);
        assertThat(((Number) claims.getClaim("sid")).longValue()).isEqualTo(42);
        assertThat(claims.getClaim("send")).asList().map(id -> ((Number) id).longValue())
                .containsExactly(1L, 2L, 4294967295L);
        assertThat(claims.getIssuer()).isEqualTo("https://issuer.test");
        assertThat(claims.getAudience()).containsExactly("switchboard");
        assertThat(claims.getNotBeforeTime()).isNull();
        assertExpiry(claims, run, before, after, Duration.ofHours(2));
    }

    @Test
    void withoutOptionsTheTokenHasOnlyAnExpiryOfAnHour() throws Exception {
        Instant before = Instant.now();
        Run run = run("token", "--secret-file", secretFile());
        Instant after = Instant.now();
        JWTClaimsSet claims = verified(run);
        assertThat(claims.getSubject()).isNull();
        assertThat(claims.getClaim("sid")).as("sid: the server assigns the ID").isNull();
        assertThat(claims.getClaim("send")).as("send: any destination").isNull();
        // Issuer and audience default to the server's variables, when this environment has them.
        assertThat(claims.getIssuer()).isEqualTo(blankToNull(System.getenv("SWITCHBOARD_AUTH_JWT_ISSUER")));
        List<String> audience = (blankToNull(System.getenv("SWITCHBOARD_AUTH_JWT_AUDIENCE")) == null) ? List.of()
                : List.of(System.getenv("SWITCHBOARD_AUTH_JWT_AUDIENCE"));
        assertThat(claims.getAudience()).isEqualTo(audience);
        assertExpiry(claims, run, before, after, Duration.ofHours(1));
    }

    private static String blankToNull(String value) {
        return (value == null || value.isBlank()) ? null : value;
    }

    /** The error line names the option; the usage line follows; nothing is printed on stdout. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({ "--sid, 0", "--sid, 2147483648", "--sid, -5", "--ttl, 31d", "--ttl, 0s", "--send, '1,0'" })
    void aValueOutOfRangeIsAUsageErrorNamingTheOption(String option, String value) throws Exception {
        Run run = run("token", "--secret-file", secretFile(), option, value);
        assertThat(run.exitCode()).as("exit code of token %s %s; stdout: %s", option, value, run.out()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).hasSize(2);
        assertThat(run.err().lines().findFirst().orElseThrow()).startsWith("token: ").contains(option);
        assertThat(run.err().lines().skip(1)).containsExactly(USAGE);
    }

    @Test
    void anUnreadableSecretFileIsAUsageErrorNamingTheOption() {
        Run run = run("token", "--secret-file", directory.resolve("no-such-file").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).hasSize(2).first().asString().startsWith("token: --secret-file cannot be read");
    }

    /** The command in a JVM of its own, whose environment has {@code environment} and none of the server's auth variables. */
    static Run runInOwnJvm(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.switchboard.SwitchboardApplication"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("SWITCHBOARD_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("token did not end within " + PATIENCE);
        }
        return new Run(process.exitValue(), out.get(PATIENCE.toSeconds(), TimeUnit.SECONDS),
                err.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void withoutASecretItIsAUsageErrorAndTheSecretMayComeFromTheEnvironment() throws Exception {
        Run none = runInOwnJvm(Map.of(), "token", "--sub", "x");
        assertThat(none.exitCode()).as(none.err()).isEqualTo(2);
        assertThat(none.out()).isEmpty();
        assertThat(none.err().lines()).hasSize(2);
        assertThat(none.err().lines().findFirst().orElseThrow()).startsWith("token: ")
                .contains("--secret-file", "SWITCHBOARD_AUTH_JWT_SECRET");
        assertThat(none.err().lines().skip(1)).containsExactly(USAGE);

        Instant before = Instant.now();
        Run fromEnvironment = runInOwnJvm(Map.of("SWITCHBOARD_AUTH_JWT_SECRET", Tokens.SECRET,
                "SWITCHBOARD_AUTH_JWT_ISSUER", "https://env-issuer.test"), "token", "--sid", "7", "--ttl", "90m");
        Instant after = Instant.now();
        JWTClaimsSet claims = verified(fromEnvironment);
        assertThat(((Number) claims.getClaim("sid")).longValue()).isEqualTo(7);
        assertThat(claims.getIssuer()).as("iss from $SWITCHBOARD_AUTH_JWT_ISSUER").isEqualTo("https://env-issuer.test");
        assertThat(claims.getAudience()).isEmpty();
        assertExpiry(claims, fromEnvironment, before, after, Duration.ofMinutes(90));
    }
}
