package io.switchboard.support;

import java.net.BindException;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.core.env.Environment;

/**
 * Spring Boot's one-paragraph report for a relay port that cannot be bound, as Boot gives for
 * the HTTP port: a start that fails on a {@link BindException} that is not the web server's is
 * the relay's, the only other listener.
 */
final class RelayPortFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

    private final @Nullable Environment environment;

    RelayPortFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        if (findCause(rootFailure, PortInUseException.class) != null || findCause(rootFailure, WebServerException.class) != null) {
            return null; // The HTTP port: Spring Boot's own analyzer reports it.
        }
        String port = (this.environment != null) ? this.environment.getProperty("switchboard.tcp.port", "7070") : "7070";
        String reason = (cause.getMessage() != null) ? cause.getMessage() : "the port cannot be bound";
        return new FailureAnalysis("The relay could not listen on TCP port " + port + " (switchboard.tcp.port): " + reason
                + ".", "Stop the process that holds TCP port " + port + " (ss -ltnp 'sport = :" + port
                + "' names it), or set switchboard.tcp.port to a free port (0 takes any free port, and logs it).", cause);
    }
}
