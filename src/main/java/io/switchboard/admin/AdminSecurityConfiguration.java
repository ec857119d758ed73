package io.switchboard.admin;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

import jakarta.servlet.DispatcherType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.savedrequest.NullRequestCache;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Who may use the admin API: the one operator, by HTTP Basic, on every request (no session, so
 * no cookie and nothing for a cross-site request to ride on but the browser's cached Basic
 * credentials, which {@link CrossSiteRequestFilter} turns away). The probes and build info stay
 * open. Every refusal is a problem document.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
class AdminSecurityConfiguration {

    static final String REALM = "switchboard";

    private static final Log logger = LogFactory.getLog(AdminSecurityConfiguration.class);

    /** Spring Security's {@code {id}encoded} form of a stored password. */
    private static final Pattern ENCODED_PASSWORD = Pattern.compile("^\\{[^}]+}.*$");

    @Bean
    SecurityFilterChain adminSecurityFilterChain(HttpSecurity http,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver exceptionResolver) {
        ProblemAuthenticationEntryPoint entryPoint = new ProblemAuthenticationEntryPoint(exceptionResolver);
        http.authorizeHttpRequests((requests) -> requests
                // Error pages carry only a status; they must not turn a 400 or 404 into a 401.
                .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                .requestMatchers(EndpointRequest.to("health", "info")).permitAll()
                .anyRequest().authenticated());
        http.httpBasic((basic) -> basic.realmName(REALM).authenticationEntryPoint(entryPoint));
        http.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(entryPoint));
        http.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        http.requestCache((cache) -> cache.requestCache(new NullRequestCache()));
        // The token scheme needs a session or a cookie, and reads form bodies for its parameter;
        // with neither sessions nor cookies, the Origin check below is the protection.
        http.csrf((csrf) -> csrf.disable());
        http.logout((logout) -> logout.disable());
        http.addFilterBefore(new CrossSiteRequestFilter(exceptionResolver), BasicAuthenticationFilter.class);
        return http.build();
    }

    @Bean
    UserDetailsService operatorUserDetailsService(AdminProperties properties) {
        return new InMemoryUserDetailsManager(User.withUsername(properties.username())
                .password(storedPassword(properties))
                .roles("OPERATOR")
                .build());
    }

    private static String storedPassword(AdminProperties properties) {
        String password = properties.password();
        if (password == null || password.isEmpty()) {
            String generated = generatePassword();
            // The one place it is shown: an operator with no configured password reads it here.
            logger.warn("Generated operator password for user '" + properties.username() + "': " + generated
                    + " (set switchboard.admin.password to choose one)");
            return "{noop}" + generated;
        }
        return ENCODED_PASSWORD.matcher(password).matches() ? password : "{noop}" + password;
    }

    private static String generatePassword() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
