package io.switchboard.admin;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import io.switchboard.SwitchboardApplication;

import static io.switchboard.admin.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** With no password configured the server makes one at start, logs it once, and takes it. */
@ExtendWith(OutputCaptureExtension.class)
class OperatorPasswordTest {

    @Test
    void generatesAPasswordAndLogsItOnce(CapturedOutput output) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SwitchboardApplication.class)
                .properties("server.port=0", "switchboard.tcp.port=0").run()) {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            Matcher logged = Pattern.compile("Generated operator password for user 'admin': (\\S+)")
                    .matcher(output.getOut());
            assertThat(logged.find()).as("the password is logged").isTrue();
            String password = logged.group(1);
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);
            assertThat(output.getAll().split(Pattern.quote(password), -1)).as("logged exactly once").hasSize(2);
            // Only ours: Boot's own generated user is not there.
            assertThat(output.getAll()).doesNotContain("Using generated security password");

            assertThat(AdminHttp.as(port, "admin", password).get("/api/clients").status()).isEqualTo(200);
            assertProblem(AdminHttp.as(port, "admin", password + "x").get("/api/clients"), 401);
            assertProblem(AdminHttp.as(port, "user", password).get("/api/clients"), 401);
        }
    }
}
