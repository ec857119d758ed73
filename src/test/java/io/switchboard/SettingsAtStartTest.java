package io.switchboard;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A setting the server would ignore, or refuses, stops the start with Spring Boot's failure
 * report: the property, its value, where it was set, and why; no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class SettingsAtStartTest {

    private static void start(StandardEnvironment environment, String... args) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties("server.port=0", "switchboard.tcp.port=0");
        if (environment != null) {
            builder.environment(environment);
        }
        assertThatThrownBy(() -> builder.run(args).close()).isNotNull();
    }

    @Test
    void aMisspeltSettingStopsTheStartAndIsNamed(CapturedOutput output) {
        start(null, "--switchboard.tcp.max-payload-bytes=10");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Unknown setting switchboard.tcp.max-payload-bytes")
                .contains("did you mean switchboard.max-payload-bytes?")
                .doesNotContain("Relay listening")
                .doesNotContain("\tat ");
    }

    @Test
    void aMisspeltEnvironmentVariableToo(CapturedOutput output) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("SWITCHBOARD_MAX_CLIENT", "10", "SWITCHBOARD_MAX_QUEUED_BYTES", "1000000")));
        start(environment);
        assertThat(output.getAll()).contains("Unknown setting SWITCHBOARD_MAX_CLIENT")
                .contains("System Environment Property \"SWITCHBOARD_MAX_CLIENT\"")
                .contains("did you mean switchboard.max-clients?")
                .doesNotContain("SWITCHBOARD_MAX_QUEUED_BYTES");
    }

    @Test
    void aRefusedValueIsReportedWithItsValueAndOrigin(CapturedOutput output) {
        start(null, "--switchboard.max-clients=0");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Invalid setting switchboard.max-clients = '0' (from \"switchboard.max-clients\" from property source \"commandLineArgs\")")
                .contains("must be at least 1")
                .doesNotContain("\tat ");
    }

    /** Near 2^31 the relay's frame arithmetic would overflow an int and its arrays not fit: refused. */
    @Test
    void aPayloadLimitPastOneGigabyteIsRefused(CapturedOutput output) {
        start(null, "--switchboard.max-payload-bytes=2147483000", "--switchboard.max-total-queued-bytes=4GB");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Invalid setting switchboard.max-payload-bytes = '2147483000'")
                .contains("must be from 0 to 1073741824")
                .doesNotContain("Relay listening");
    }

    /** A message larger than the node's memory budget could never be queued. */
    @Test
    void aMemoryBudgetSmallerThanTheLargestMessageIsRefused(CapturedOutput output) {
        start(null, "--switchboard.max-total-queued-bytes=1MB");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Invalid setting switchboard.max-total-queued-bytes = '1MB'")
                .contains("must be at least switchboard.max-payload-bytes")
                .doesNotContain("Relay listening");
    }

    @Test
    void anEncodedPasswordIsRefusedWithoutShowingIt(CapturedOutput output) {
        start(null, "--switchboard.admin.password={bcrypt}$2a$10$abcdefghijklmnopqrstuv");
        assertThat(output.getAll()).contains("Invalid setting switchboard.admin.password = (hidden)")
                .contains("must be the password itself")
                .doesNotContain("abcdefghijklmnopqrstuv");
    }

    @Test
    void tokenModeWithoutAKeyIsRefusedNamingTheProperties(CapturedOutput output) {
        start(null, "--switchboard.auth.mode=token");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("switchboard.auth.mode")
                .contains("switchboard.auth.jwt.secret, public-key-location or jwk-set-uri must be set")
                .doesNotContain("Relay listening")
                .doesNotContain("\tat ");
    }

    @Test
    void aSecretShorterThan32BytesIsRefusedWithoutShowingIt(CapturedOutput output) {
        start(null, "--switchboard.auth.jwt.secret=c2hvcnQtc2VjcmV0");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("switchboard.auth.jwt.secret")
                .contains("at least 32 bytes")
                .doesNotContain("c2hvcnQtc2VjcmV0")
                .doesNotContain("\tat ");
    }

    @Test
    void anUnknownModeOrANegativeLimitIsRefused(CapturedOutput output) {
        start(null, "--switchboard.auth.mode=tokens");
        assertThat(output.getAll()).contains("Property: switchboard.auth.mode").contains("Value: \"tokens\"");
        start(null, "--switchboard.limits.messages-per-second=-1");
        assertThat(output.getAll()).contains("switchboard.limits.messages-per-second must not be negative");
        start(null, "--switchboard.ids=counting");
        assertThat(output.getAll()).contains("Property: switchboard.ids").contains("Value: \"counting\"");
    }

    @Test
    void aPublicKeyThatCannotBeReadStopsTheStartNamingTheProperty(CapturedOutput output) {
        start(null, "--switchboard.auth.mode=token", "--switchboard.auth.jwt.public-key-location=file:/no/such/key.pem");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Invalid setting switchboard.auth.jwt.public-key-location = 'file:/no/such/key.pem'")
                .contains("cannot be read")
                .doesNotContain("Relay listening")
                .doesNotContain("\tat ");
    }
}
