package io.switchboard.support;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.switchboard.SwitchboardApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A relay port that another process holds fails the start, rather than leaving HTTP up without a
 * relay, and says so as Spring Boot says it of the HTTP port: one report, no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class RelayPortInUseReportTest {

    @Test
    void aTakenPortFailsTheStartWithOneReport(CapturedOutput output) throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> new SpringApplicationBuilder(SwitchboardApplication.class)
                    .properties("server.port=0", "switchboard.tcp.port=" + port)
                    .run()
                    .close())
                    .hasStackTraceContaining("The relay cannot listen on TCP port " + port)
                    .hasRootCauseInstanceOf(BindException.class);
            assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                    .contains("The relay could not listen on TCP port " + port + " (switchboard.tcp.port): Address already in use")
                    .contains("set switchboard.tcp.port to a free port")
                    .doesNotContain("\tat ")
                    .doesNotContain("Application run failed");
        }
    }
}
