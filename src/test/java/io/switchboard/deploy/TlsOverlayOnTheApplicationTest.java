package io.switchboard.deploy;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;

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

    static final TlsFixture TLS = TlsFixture.create();

    static final Map<String, String> FILES = Map.of(
            "SPRING_SSL_BUNDLE_PEM_RELAY_KEYSTORE_CERTIFICATE", "file:" + TLS.serverCertificate,
            "SPRING_SSL_BUNDLE_PEM_RELAY_KEYSTORE_PRIVATEKEY", "file:" + TLS.serverKey,
            "SPRING_SSL_BUNDLE_PEM_RELAY_TRUSTSTORE_CERTIFICATE", "file:" + TLS.trustedCa);

    @AfterAll
    static void removeFiles() {
        TLS.close();
    }

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
