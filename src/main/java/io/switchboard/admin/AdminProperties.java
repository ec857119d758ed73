package io.switchboard.admin;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The admin API's settings, {@code switchboard.admin.*}.
 *
 * @param username the operator's user name for HTTP Basic
 * @param password the operator's password, as it is; when empty, one is generated at start and
 *        logged once
 * @param sendTimeout how long a message sent by the operator may take to be written to its
 *        client, waiting for room in its queue included, before the answer is 504 (seconds
 *        when no unit is given)
 * @param scrape the read-only credential of a metrics scraper
 */
@ConfigurationProperties("switchboard.admin")
public record AdminProperties(
        @DefaultValue("admin") String username,
        @Nullable String password,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration sendTimeout,
        @DefaultValue Scrape scrape) {

    public AdminProperties {
        if (username.isBlank()) {
            throw new IllegalArgumentException("switchboard.admin.username must not be blank");
        }
        requirePlain(password, "switchboard.admin.password");
        if (!sendTimeout.isPositive()) {
            throw new IllegalArgumentException("switchboard.admin.send-timeout must be positive");
        }
    }

    @Override
    public String toString() {
        // Never print a password, whoever logs this record.
        return "AdminProperties[username=" + this.username + ", sendTimeout=" + this.sendTimeout + ", scrape="
                + this.scrape + "]";
    }

    /**
     * A second credential that may read {@code /actuator/prometheus} and nothing else, for a
     * Prometheus scrape job, so that it need not hold the operator's.
     *
     * @param username its user name for HTTP Basic
     * @param password its password, as it is; when empty there is no such credential, and
     *        scraping needs the operator's
     */
    public record Scrape(@DefaultValue("prometheus") String username, @Nullable String password) {

        public Scrape {
            if (username.isBlank()) {
                throw new IllegalArgumentException("switchboard.admin.scrape.username must not be blank");
            }
            requirePlain(password, "switchboard.admin.scrape.password");
        }

        boolean enabled() {
            return this.password != null && !this.password.isEmpty();
        }

        @Override
        public String toString() {
            return "Scrape[username=" + this.username + ", enabled=" + enabled() + "]";
        }
    }

    /**
     * Refuses a password in Spring Security's encoded form ({@code {bcrypt}$2a$...}), which
     * earlier versions took: checking it would cost a bcrypt per request.
     */
    private static void requirePlain(@Nullable String password, String property) {
        if (password != null && password.matches("(?s)^\\{[A-Za-z0-9_-]+}.+")) {
            throw new IllegalArgumentException(property + " must be the password itself, not an encoded form such"
                    + " as {bcrypt}...: it is hashed once at start, so that a request costs microseconds, not a bcrypt");
        }
    }
}
