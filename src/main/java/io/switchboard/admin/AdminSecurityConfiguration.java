package io.switchboard.admin;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.servlet.DispatcherType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.savedrequest.NullRequestCache;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Who may use the admin API: the one operator, by HTTP Basic, on every request (no session, so
 * no cookie and nothing for a cross-site request to ride on but the browser's cached Basic
 * credentials, which {@link CrossSiteRequestFilter} turns away). The probes and build info stay
 * open; a scraper's own credential, where one is configured, reads the Prometheus endpoint and
 * nothing else. Every refusal is a problem document. Credentials are checked by
 * {@link OperatorCredentials}, in microseconds.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
class AdminSecurityConfiguration {

    static final String REALM = "switchboard";

    private static final Log logger = LogFactory.getLog(AdminSecurityConfiguration.class);

    static final String OPERATOR = "OPERATOR";
    static final String SCRAPER = "SCRAPER";

    @Bean
    SecurityFilterChain adminSecurityFilterChain(HttpSecurity http,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver exceptionResolver) {
        ProblemAuthenticationEntryPoint entryPoint = new ProblemAuthenticationEntryPoint(exceptionResolver);
        http.authorizeHttpRequests((requests) -> requests
                // Error pages carry only a status; they must not turn a 400 or 404 into a 401.
                .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                .requestMatchers(EndpointRequest.to("health", "info")).permitAll()
                .requestMatchers(EndpointRequest.to("prometheus")).hasAnyRole(OPERATOR, SCRAPER)
                .anyRequest().hasRole(OPERATOR));
        http.httpBasic((basic) -> basic.realmName(REALM).authenticationEntryPoint(entryPoint));
        http.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(entryPoint)
                .accessDeniedHandler((request, response, denied) -> Problems.write(exceptionResolver, request, response,
                        new ErrorResponseException(HttpStatus.FORBIDDEN, ProblemDetail.forStatusAndDetail(
                                HttpStatus.FORBIDDEN, "This credential may only read /actuator/prometheus"), denied))));
        http.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        http.requestCache((cache) -> cache.requestCache(new NullRequestCache()));
        // The token scheme needs a session or a cookie, and reads form bodies for its parameter;
        // with neither sessions nor cookies, the Origin check below is the protection.
        http.csrf((csrf) -> csrf.disable());
        http.logout((logout) -> logout.disable());
        http.addFilterBefore(new CrossSiteRequestFilter(exceptionResolver), BasicAuthenticationFilter.class);
        return http.build();
    }

    /** The one provider of the application: Spring Boot's generated user backs off before it. */
    @Bean
    OperatorCredentials operatorCredentials(AdminProperties properties) {
        List<OperatorCredentials.Account> accounts = new ArrayList<>();
        accounts.add(new OperatorCredentials.Account(properties.username(), operatorPassword(properties), OPERATOR));
        AdminProperties.Scrape scrape = properties.scrape();
        if (scrape.enabled()) {
            accounts.add(new OperatorCredentials.Account(scrape.username(), scrape.password(), SCRAPER));
        }
        return new OperatorCredentials(accounts);
    }

    private static String operatorPassword(AdminProperties properties) {
        String password = properties.password();
        if (password == null || password.isEmpty()) {
            String generated = generatePassword();
            // The one place it is shown: an operator with no configured password reads it here.
            logger.warn("Generated operator password for user '" + properties.username() + "': " + generated
                    + " (set switchboard.admin.password to choose one)");
            return generated;
        }
        return password;
    }

    private static String generatePassword() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
