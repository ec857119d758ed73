package io.switchboard.relay;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;

import io.switchboard.SwitchboardApplication;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A relay port that another process holds fails the start, rather than leaving HTTP up without a relay. */
class RelayPortInUseTest {

    @Test
    void aTakenPortFailsTheStart() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> new SpringApplicationBuilder(SwitchboardApplication.class)
                    .properties("server.port=0", "switchboard.tcp.port=" + port)
                    .run()
                    .close())
                    .hasStackTraceContaining("The relay cannot listen on TCP port " + port)
                    .hasRootCauseInstanceOf(BindException.class);
        }
    }
}
