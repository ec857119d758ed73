package io.switchboard.admin;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/** Writes problem documents from outside a controller, through Spring MVC's own exception handling. */
final class Problems {

    private Problems() {
    }

    static void write(HandlerExceptionResolver resolver, HttpServletRequest request, HttpServletResponse response,
            ErrorResponseException error) throws IOException {
        ModelAndView handled = resolver.resolveException(request, response, null, error);
        if (handled == null && !response.isCommitted()) {
            error.getHeaders().forEach((name, values) -> values.forEach((value) -> response.addHeader(name, value)));
            response.sendError(error.getStatusCode().value());
        }
    }
}
