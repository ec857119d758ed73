package io.switchboard.admin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.AuthorityUtils;

/**
 * Checks HTTP Basic credentials in microseconds, and in the same time whatever is wrong with
 * them. Each configured account's user name and password are hashed once, at start, with
 * HMAC-SHA256 under a key made for this process; a request's pair is hashed the same way and
 * compared with every account in constant time ({@link MessageDigest#isEqual}), user name and
 * password alike, with no early exit. So a wrong user name costs what a wrong password costs,
 * and nothing tells which was wrong.
 *
 * <p>Why not Spring Security's {@code DaoAuthenticationProvider}: with the password stored as
 * {@code {noop}} it upgrades it to bcrypt on the first login, and then every request pays
 * bcrypt (about 60 ms of CPU here, on a virtual thread's carrier that the relay needs). A slow
 * hash protects a leaked password database; there is none here, the password is configuration.
 */
final class OperatorCredentials implements AuthenticationProvider {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final List<Entry> entries;

    OperatorCredentials(List<Account> accounts) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, ALGORITHM);
        this.entries = accounts.stream()
                .map((account) -> new Entry(account, digest(account.username()), digest(account.password())))
                .toList();
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        byte[] username = digest(authentication.getName());
        Object credentials = authentication.getCredentials();
        byte[] password = digest((credentials != null) ? credentials.toString() : "");
        Account match = null;
        for (Entry entry : this.entries) {
            // '&', not '&&': both comparisons always run.
            if (MessageDigest.isEqual(entry.username(), username) & MessageDigest.isEqual(entry.password(), password)) {
                match = entry.account();
            }
        }
        if (match == null) {
            throw new BadCredentialsException("Bad credentials");
        }
        return UsernamePasswordAuthenticationToken.authenticated(match.username(), null, match.authorities());
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }

    private byte[] digest(String text) {
        try {
            // A Mac is not thread-safe, and making one is a few microseconds: one per use.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(this.key);
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ALGORITHM + " is part of every JDK", ex);
        }
    }

    /**
     * One user name and password, and the roles a request that presents them gets.
     */
    record Account(String username, String password, List<GrantedAuthority> authorities) {

        Account(String username, String password, String... roles) {
            this(username, password, AuthorityUtils.createAuthorityList(
                    Arrays.stream(roles).map((role) -> "ROLE_" + role).toArray(String[]::new)));
        }

        @Override
        public String toString() {
            return "Account[" + this.username + "]";
        }
    }

    private record Entry(Account account, byte[] username, byte[] password) {
    }
}
