package io.switchboard.deploy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static io.switchboard.deploy.Manifests.at;
import static io.switchboard.deploy.Manifests.listOfMaps;
import static io.switchboard.deploy.Manifests.string;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * components/tls, as overlays/single-tls renders it: the cert-manager Certificate's Secret is
 * mounted where the relay's SSL bundle reads its files, in a way that lets a renewal reach the
 * running pod, and the bundle is reloaded when the files change.
 */
class TlsComponentManifestsTest {

    private static final String MOUNT = "/etc/switchboard/tls";

    private final Manifests manifests = Manifests.render("single-tls");

    private final ApplicationSettings settings = new ApplicationSettings(this.manifests.environment());

    @Test
    void theRelaySpeaksTlsWithABundleReloadedWhenItsFilesChange() {
        assertThat(this.settings.get("switchboard.tcp.ssl.bundle", String.class)).isEqualTo("relay");
        assertThat(this.settings.get("switchboard.tcp.ssl.client-auth", String.class)).isEqualTo("none");
        assertThat(this.settings.get("switchboard.tcp.ssl.handshake-timeout", Duration.class)).isEqualTo(Duration.ofSeconds(10));
        assertThat(this.settings.get("spring.ssl.bundle.pem.relay.reload-on-update", Boolean.class)).isTrue();
        assertThat(this.settings.get("spring.ssl.bundle.watch.file.quiet-period", Duration.class)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theCertificatesSecretIsMountedWholeWhereTheBundleReadsItsFiles() {
        Map<String, Object> certificate = this.manifests.get("Certificate", "switchboard-relay");
        String secret = string(certificate, "spec.secretName");
        Map<String, Object> volume = listOfMaps(this.manifests.podSpec(), "volumes").stream()
            .filter((candidate) -> secret.equals(at(candidate, "secret.secretName")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no volume of Secret " + secret));
        Map<String, Object> mount = listOfMaps(this.manifests.container(), "volumeMounts").stream()
            .filter((candidate) -> volume.get("name").equals(candidate.get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("volume " + volume.get("name") + " is not mounted"));
        assertThat(mount.get("mountPath")).isEqualTo(MOUNT);
        assertThat(mount.get("readOnly")).isEqualTo(true);
        // A subPath mount keeps the files of the pod's start: a renewal would never reach the relay.
        assertThat(mount).doesNotContainKey("subPath");
        // cert-manager's Secret keys, read where the kubelet puts them.
        for (String[] file : List.of(new String[] { "keystore.certificate", "tls.crt" },
                new String[] { "keystore.private-key", "tls.key" }, new String[] { "truststore.certificate", "ca.crt" })) {
            assertThat(this.settings.get("spring.ssl.bundle.pem.relay." + file[0], String.class))
                .isEqualTo("file:" + MOUNT + "/" + file[1]);
        }
    }

    @Test
    void theCertificateIsRenewedBeforeItEndsWithANewPkcs8KeyFromAnIssuerOfTheComponent() {
        Map<String, Object> certificate = this.manifests.get("Certificate", "switchboard-relay");
        Duration duration = hours(string(certificate, "spec.duration"));
        Duration renewBefore = hours(string(certificate, "spec.renewBefore"));
        assertThat(renewBefore).isPositive().isLessThan(duration);
        assertThat(at(certificate, "spec.privateKey.rotationPolicy")).isEqualTo("Always");
        // The relay's bundle reads any PEM key; the CLI and Java client read PKCS#8 only.
        assertThat(at(certificate, "spec.privateKey.encoding")).isEqualTo("PKCS8");
        assertThat(strings(at(certificate, "spec.usages"))).contains("server auth");
        assertThat(strings(at(certificate, "spec.dnsNames"))).contains("switchboard.switchboard.svc");
        Map<String, Object> issuer = this.manifests.get(string(certificate, "spec.issuerRef.kind"),
                string(certificate, "spec.issuerRef.name"));
        Map<String, Object> ca = this.manifests.get("Certificate", "switchboard-ca");
        assertThat(at(issuer, "spec.ca.secretName")).isEqualTo(at(ca, "spec.secretName"));
        assertThat(at(ca, "spec.isCA")).isEqualTo(true);
        assertThat(this.manifests.resources()).allSatisfy((resource) -> assertThat(at(resource, "metadata.namespace"))
            .as(Manifests.describe(resource)).isIn("switchboard", null));
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static Duration hours(String value) {
        assertThat(value).endsWith("h");
        return Duration.ofHours(Long.parseLong(value.substring(0, value.length() - 1)));
    }
}
