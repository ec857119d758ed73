package io.switchboard.admin;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Turns away state-changing requests that a browser made on behalf of another site: a browser
 * that holds the operator's Basic credentials sends them with a cross-site form post too, and
 * {@code POST /api/clients/{id}/messages} takes any content type. Browsers say where a request
 * comes from in {@code Origin} (and {@code Sec-Fetch-Site}); curl and other tools send neither,
 * so they are not affected.
 */
final class CrossSiteRequestFilter extends OncePerRequestFilter {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private final HandlerExceptionResolver exceptionResolver;

    CrossSiteRequestFilter(HandlerExceptionResolver exceptionResolver) {
        this.exceptionResolver = exceptionResolver;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (SAFE_METHODS.contains(request.getMethod()) || isSameOrigin(request)) {
            chain.doFilter(request, response);
            return;
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN,
                "Cross-site requests may not change anything");
        Problems.write(this.exceptionResolver, request, response,
                new ErrorResponseException(HttpStatus.FORBIDDEN, problem, null));
    }

    private static boolean isSameOrigin(HttpServletRequest request) {
        String fetchSite = request.getHeader("Sec-Fetch-Site");
        if (fetchSite != null && !fetchSite.equals("same-origin") && !fetchSite.equals("none")) {
            return false;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null) {
            return true;
        }
        String host = request.getHeader(HttpHeaders.HOST);
        try {
            String authority = URI.create(origin).getRawAuthority();
            return authority != null && host != null && authority.equalsIgnoreCase(host);
        }
        catch (IllegalArgumentException ex) {
            // "null" or garbage: an opaque origin is never ours.
            return false;
        }
    }
}
