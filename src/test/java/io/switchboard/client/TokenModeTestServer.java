package io.switchboard.client;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.support.Tokens;

/**
 * The real server in token mode for the client's tests, one context shared by all of them: HS256
 * with {@link Tokens#SECRET}, no issuer or audience, and a short hello-timeout, so that a client
 * without a token is refused in a second.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.auth.mode=token", "switchboard.auth.jwt.secret=" + Tokens.SECRET,
        "switchboard.auth.hello-timeout=1s" })
public @interface TokenModeTestServer {

    /** The first ID the server assigns in token mode. */
    long FIRST_ASSIGNED_ID = 2147483648L;
}
