package io.switchboard.admin;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

import org.springframework.http.HttpStatus;

/**
 * Tomcat's report of the errors it answers itself, before any servlet or filter sees the
 * request (bytes that are not HTTP, such as a TLS handshake; a header over the size limit; a
 * path with {@code %00} or {@code %2F}), as a problem document in place of its HTML page. It
 * says what kind of request was refused and nothing of the server: no version, no trace.
 * Public, with a no-argument constructor, because Tomcat's host makes its error report valve
 * by class name.
 */
public final class ProblemReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int code = response.getStatus();
        if (code < 400 || response.getContentWritten() > 0) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get() || !response.setErrorReported()) {
            return;
        }
        HttpStatus status = HttpStatus.resolve(code);
        String title = (status != null) ? status.getReasonPhrase() : "Error";
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + code
                        + ",\"detail\":\"" + detail(code) + "\"}");
                response.finishResponse();
            }
        }
        catch (IOException | IllegalStateException ex) {
            // The client is gone, or the response was committed meanwhile: nothing more to say.
        }
    }

    private static String detail(int code) {
        return switch (code) {
            case 400 -> "The request is not HTTP the server accepts: malformed, a header too large, or a path"
                    + " with characters it refuses (such as an encoded NUL or slash)";
            case 404 -> "Nothing is served at this path";
            case 408 -> "The request was not received in time";
            case 413 -> "The request is too large";
            case 414 -> "The request's URI is too long";
            case 431 -> "The request's header fields are too large";
            case 505 -> "The HTTP version is not supported";
            default -> (code >= 500) ? "The request failed" : "The request was refused";
        };
    }
}
