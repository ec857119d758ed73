package io.switchboard.deploy;

import java.io.IOException;
import java.util.Map;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.ContextConfiguration;

import io.switchboard.support.TestClient;
import io.switchboard.support.TlsFixture;
import io.switchboard.support.TlsSockets;

/**
 * The application with the environment of overlays/single-tls (components/tls): the relay port
 * speaks TLS with the PEM bundle the ConfigMap describes. The Certificate's Secret is not there
 * outside a cluster, so the three file variables point at certificates made here instead.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@ContextConfiguration(initializers = TlsOverlayOnTheApplicationTest.Environment.class)
class TlsOverlayOnTheApplicationTest extends OverlayOnTheApplicationTest {

    /**
     * Its files go when the JVM exits, not after this class: the overlay reloads the bundle when
     * they change, so the cached context's file watcher would see them deleted and log a failed
     * reload, with a stack trace, into the output of whichever test runs then (as
     * RelayTlsRotationTest says).
     */
    static final TlsFixture TLS = TlsFixture.create().deletedAtExit();

    static final Map<String, String> FILES = Map.of(
            "SPRING_SSL_BUNDLE_PEM_RELAY_KEYSTORE_CERTIFICATE", "file:" + TLS.serverCertificate,
            "SPRING_SSL_BUNDLE_PEM_RELAY_KEYSTORE_PRIVATEKEY", "file:" + TLS.serverKey,
            "SPRING_SSL_BUNDLE_PEM_RELAY_TRUSTSTORE_CERTIFICATE", "file:" + TLS.trustedCa);

    @Override
    String overlay() {
        return "single-tls";
    }

    @Override
    Map<String, String> overrides() {
        return FILES;
    }

    @Override
    TestClient connect(int port) throws IOException {
        return TlsSockets.client(port, TLS.client(null));
    }

    static class Environment extends OverlayEnvironment {

        Environment() {
            super("single-tls");
        }

        @Override
        Map<String, String> overrides(ConfigurableApplicationContext context) {
            return FILES;
        }
    }
}
