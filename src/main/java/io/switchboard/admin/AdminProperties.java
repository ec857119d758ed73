package io.switchboard.admin;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The admin API's settings, {@code switchboard.admin.*}.
 *
 * @param username the operator's user name for HTTP Basic
 * @param password the operator's password; when empty, one is generated at start and logged
 *        once. A value in Spring Security's {@code {id}encoded} form (e.g. {@code {bcrypt}...})
 *        is taken as already encoded
 * @param sendTimeout how long a message sent by the operator may take to be written to its
 *        client, waiting for room in its queue included, before the answer is 504
 */
@ConfigurationProperties("switchboard.admin")
public record AdminProperties(
        @DefaultValue("admin") String username,
        @Nullable String password,
        @DefaultValue("10s") Duration sendTimeout) {

    public AdminProperties {
        if (username.isBlank()) {
            throw new IllegalArgumentException("switchboard.admin.username must not be blank");
        }
        if (!sendTimeout.isPositive()) {
            throw new IllegalArgumentException("switchboard.admin.send-timeout must be positive");
        }
    }

    @Override
    public String toString() {
        // Never print the password, whoever logs this record.
        return "AdminProperties[username=" + this.username + ", sendTimeout=" + this.sendTimeout + "]";
    }
}
