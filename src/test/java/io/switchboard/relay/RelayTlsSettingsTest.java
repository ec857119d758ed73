package io.switchboard.relay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.switchboard.SwitchboardApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS settings the server cannot use stop the start with Spring Boot's failure report, which
 * names the setting, its value and where it was set (PROTOCOL.md section 6).
 */
@ExtendWith(OutputCaptureExtension.class)
class RelayTlsSettingsTest {

    private static void start(String... args) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties("server.port=0", "switchboard.tcp.port=0");
        assertThatThrownBy(() -> builder.run(args).close()).isNotNull();
    }

    @Test
    void aBundleThatDoesNotExistStopsTheStartNamingTheSetting(CapturedOutput output) {
        start("--switchboard.tcp.ssl.bundle=nope");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Invalid setting switchboard.tcp.ssl.bundle = 'nope' (from \"switchboard.tcp.ssl.bundle\" "
                        + "from property source \"commandLineArgs\")")
                .contains("switchboard.tcp.ssl.bundle names no SSL bundle: define spring.ssl.bundle.pem.nope.* or "
                        + "spring.ssl.bundle.jks.nope.* (bundles defined: none)")
                .doesNotContain("Relay listening")
                .doesNotContain("\tat ");
    }

    @Test
    void anEmptyBundleNameIsRefused(CapturedOutput output) {
        start("--switchboard.tcp.ssl.bundle=");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Invalid setting switchboard.tcp.ssl.bundle")
                .contains("must name an SSL bundle; leave it unset for plain TCP")
                .doesNotContain("Relay listening");
    }

    @Test
    void aHandshakeTimeoutOfZeroIsRefused(CapturedOutput output) {
        start("--switchboard.tcp.ssl.handshake-timeout=0");
        assertThat(output.getAll()).contains("Invalid setting switchboard.tcp.ssl.handshake-timeout = '0'")
                .contains("must be positive");
    }

    @Test
    void anUnknownClientAuthIsRefused(CapturedOutput output) {
        start("--switchboard.tcp.ssl.client-auth=maybe");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START").contains("switchboard.tcp.ssl.client-auth")
                .contains("maybe");
    }
}
