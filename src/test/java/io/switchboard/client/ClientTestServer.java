package io.switchboard.client;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

/**
 * The real server for the client's tests, one context shared by all of them: policy
 * {@code reject} and small limits, so that every ERROR code can be provoked in a moment.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0",
        "switchboard.overflow-policy=reject",
        "switchboard.max-queued-bytes=" + ClientTestServer.MAX_QUEUED_BYTES,
        "switchboard.max-payload-bytes=" + ClientTestServer.MAX_PAYLOAD_BYTES })
public @interface ClientTestServer {

    int MAX_QUEUED_BYTES = 65536;

    int MAX_PAYLOAD_BYTES = 65536;
}
