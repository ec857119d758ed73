package io.switchboard.admin;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Answers a request without valid credentials with 401, a Basic challenge and a problem
 * document, written by Spring MVC's exception handling like every other error of the API.
 */
final class ProblemAuthenticationEntryPoint implements AuthenticationEntryPoint {

    private final HandlerExceptionResolver exceptionResolver;

    ProblemAuthenticationEntryPoint(HandlerExceptionResolver exceptionResolver) {
        this.exceptionResolver = exceptionResolver;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response,
            AuthenticationException authException) throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED,
                "Valid operator credentials (HTTP Basic) are required");
        ErrorResponseException error = new ErrorResponseException(HttpStatus.UNAUTHORIZED, problem, authException);
        error.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE,
                "Basic realm=\"" + AdminSecurityConfiguration.REALM + "\", charset=\"UTF-8\"");
        Problems.write(this.exceptionResolver, request, response, error);
    }
}
