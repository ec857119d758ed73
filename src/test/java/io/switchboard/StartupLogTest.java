package io.switchboard;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The startup log is what an operator reads: the version, the ports, warnings such as the
 * generated password. No framework internals (Spring Integration wrote lines of 400 and more
 * characters about its channels), nothing an operator would have to skip.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupLogTest {

    @Test
    void theStartupLogIsShortLinesAnOperatorReads(CapturedOutput output) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties("server.port=0", "switchboard.tcp.port=0", "switchboard.admin.password=log-test").run()) {
            List<String> lines = output.getOut().lines().filter((line) -> line.contains(" INFO ") || line.contains(" WARN ")
                    || line.contains(" ERROR ")).toList();
            assertThat(lines).as("log lines at start").isNotEmpty().hasSizeLessThanOrEqualTo(10);
            assertThat(lines).allSatisfy((line) -> assertThat(line).hasSizeLessThan(300)
                    .doesNotContain("o.s.i.").doesNotContain("org.springframework.integration")
                    .doesNotContain(" ERROR "));
            assertThat(output.getOut()).contains("Relay listening on TCP port").contains("Tomcat started on port");
        }
    }
}
