package io.switchboard.deploy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import static io.switchboard.deploy.Manifests.at;
import static io.switchboard.deploy.Manifests.containers;
import static io.switchboard.deploy.Manifests.describe;
import static io.switchboard.deploy.Manifests.integer;
import static io.switchboard.deploy.Manifests.listOfMaps;
import static io.switchboard.deploy.Manifests.map;
import static io.switchboard.deploy.Manifests.string;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each overlay of deploy/kubernetes renders to, checked against the application: ports,
 * probes, settings, secrets, security and shutdown timing. Whether the probe paths and the
 * environment work on the running application is {@code OverlayOnTheApplicationTest}'s part.
 */
class KubernetesManifestsTest {

    static final List<String> PASSWORD_VARIABLES = List.of("SWITCHBOARD_ADMIN_PASSWORD", "SWITCHBOARD_ADMIN_SCRAPE_PASSWORD");

    static final List<String> OVERLAYS = Manifests.OVERLAYS;

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void containerPortsServicePortsAndTheApplicationsPortsAgree(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        ApplicationSettings settings = new ApplicationSettings(manifests.environment());
        int relayPort = settings.get("switchboard.tcp.port", Integer.class);
        int adminPort = settings.get("server.port", Integer.class);

        assertThat(manifests.containerPort("relay")).as("relay container port vs switchboard.tcp.port").isEqualTo(relayPort);
        assertThat(manifests.containerPort("admin")).as("admin container port vs server.port").isEqualTo(adminPort);

        Map<String, Object> relay = manifests.get("Service", "switchboard");
        assertThat(listOfMaps(relay, "spec.ports")).singleElement().satisfies((port) -> {
            assertThat(port.get("port")).isEqualTo(relayPort);
            assertThat(manifests.resolvePort(port.get("targetPort"))).isEqualTo(relayPort);
        });
        Map<String, Object> admin = manifests.get("Service", "switchboard-admin");
        assertThat(listOfMaps(admin, "spec.ports")).singleElement().satisfies((port) -> {
            assertThat(port.get("port")).isEqualTo(adminPort);
            assertThat(manifests.resolvePort(port.get("targetPort"))).isEqualTo(adminPort);
        });

        Map<String, Object> annotations = map(manifests.deployment(), "spec.template.metadata.annotations");
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
            .containsEntry("prometheus.io/path", "/actuator/prometheus")
            .containsEntry("prometheus.io/port", String.valueOf(adminPort));
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theRelayIsExposedByALoadBalancerAndTheAdminApiOnlyInsideTheCluster(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        Map<String, Object> relay = manifests.get("Service", "switchboard");
        assertThat(string(relay, "spec.type")).isEqualTo("LoadBalancer");
        assertThat(string(relay, "spec.externalTrafficPolicy")).isEqualTo("Local");

        Map<String, Object> admin = manifests.get("Service", "switchboard-admin");
        assertThat(at(admin, "spec.type")).isIn(null, "ClusterIP");

        int adminPort = manifests.containerPort("admin");
        for (Map<String, Object> service : manifests.all("Service")) {
            if (manifests.selects(service) && !"ClusterIP".equals(at(service, "spec.type")) && at(service, "spec.type") != null) {
                assertThat(listOfMaps(service, "spec.ports"))
                    .as("%s reaches the relay pods from outside the cluster: not on the admin port", describe(service))
                    .allSatisfy((port) -> assertThat(manifests.resolvePort(port.get("targetPort"))).isNotEqualTo(adminPort));
            }
        }
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void probesAskTheActuatorHealthGroupsOnTheAdminPort(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        Map<String, Object> container = manifests.container();
        assertThat(string(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(string(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(string(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(manifests.resolvePort(Manifests.required(container, probe + ".httpGet.port")))
                .as(probe + " port").isEqualTo(manifests.containerPort("admin"));
        }
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void terminationGraceOutlastsThePreStopPauseAndTheApplicationsShutdownGrace(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        // switchboard.shutdown-grace arrives with the admin branch: until then only the manifests give it.
        Duration shutdownGrace = new ApplicationSettings(manifests.environment()).get("switchboard.shutdown-grace", Duration.class);
        List<?> preStop = (List<?>) Manifests.required(manifests.container(), "lifecycle.preStop.exec.command");
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        Duration pause = Duration.ofSeconds(Long.parseLong(String.valueOf(preStop.get(1))));
        Duration termination = Duration.ofSeconds(integer(manifests.podSpec(), "terminationGracePeriodSeconds"));

        // Kubernetes counts the preStop hook inside the grace period; the JVM needs some seconds to exit after draining.
        assertThat(termination).isGreaterThanOrEqualTo(pause.plus(shutdownGrace).plusSeconds(5));
        // A rollout brings the new pod up before the old one drains.
        assertThat(integer(manifests.deployment(), "spec.strategy.rollingUpdate.maxUnavailable")).isZero();
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theAdminPasswordsComeFromTheSecretUnderTheVariablesTheApplicationReads(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        List<Map<String, Object>> fromSecrets = listOfMaps(manifests.container(), "env").stream()
            .filter((variable) -> at(variable, "valueFrom.secretKeyRef") != null)
            .toList();
        // SWITCHBOARD_ADMIN_PASSWORD is switchboard.admin.password (ADMIN-API.md), and
        // SWITCHBOARD_ADMIN_SCRAPE_PASSWORD the scraper's read-only switchboard.admin.scrape.password,
        // by Spring Boot's environment mapping; that they bind is OverlayOnTheApplicationTest's to check.
        assertThat(fromSecrets).extracting((variable) -> variable.get("name"))
            .containsExactlyInAnyOrder(PASSWORD_VARIABLES.toArray());
        assertThat(fromSecrets).allSatisfy((variable) -> {
            String secret = string(variable, "valueFrom.secretKeyRef.name");
            String key = string(variable, "valueFrom.secretKeyRef.key");
            assertThat(manifests.secretData(secret)).containsKey(key);
            assertThat(at(variable, "valueFrom.secretKeyRef.optional")).as("a missing Secret must stop the pod").isIn(null, false);
        });
        assertThat(manifests.environment()).containsKeys(PASSWORD_VARIABLES.toArray(String[]::new));
        assertThat(manifests.environment().get("SWITCHBOARD_ADMIN_SCRAPE_PASSWORD"))
            .as("the scraper's password is not the operator's").isNotEqualTo(manifests.environment().get("SWITCHBOARD_ADMIN_PASSWORD"));
        // A password never sits in the ConfigMap or in a plain env value.
        assertThat(listOfMaps(manifests.container(), "env")).noneMatch((variable) ->
                PASSWORD_VARIABLES.contains(variable.get("name")) && variable.containsKey("value"));
        manifests.all("ConfigMap").forEach((configMap) -> assertThat(manifests.configMapData(string(configMap, "metadata.name")))
            .doesNotContainKeys(PASSWORD_VARIABLES.toArray(String[]::new)));
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void everyPodRunsRestricted(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        List<Map<String, Object>> workloads = manifests.resources().stream().filter((resource) -> !containers(resource).isEmpty()).toList();
        assertThat(workloads).isNotEmpty();
        for (Map<String, Object> workload : workloads) {
            Map<String, Object> pod = map(workload, "spec.template.spec");
            assertThat(at(pod, "securityContext.runAsNonRoot")).as(describe(workload)).isEqualTo(true);
            assertThat(at(pod, "securityContext.seccompProfile.type")).as(describe(workload)).isEqualTo("RuntimeDefault");
            assertThat(at(pod, "enableServiceLinks")).as("%s: service links would become switchboard.* properties", describe(workload)).isEqualTo(false);
            assertThat(at(pod, "automountServiceAccountToken")).as(describe(workload)).isEqualTo(false);
            assertThat(at(pod, "hostNetwork")).isIn(null, false);
            for (Map<String, Object> container : containers(workload)) {
                String what = describe(workload) + " container " + container.get("name");
                assertThat(at(container, "securityContext.allowPrivilegeEscalation")).as(what).isEqualTo(false);
                assertThat(at(container, "securityContext.readOnlyRootFilesystem")).as(what).isEqualTo(true);
                assertThat(at(container, "securityContext.privileged")).as(what).isIn(null, false);
                assertThat(at(container, "securityContext.capabilities.drop")).as(what).isEqualTo(List.of("ALL"));
                assertThat(at(container, "securityContext.capabilities.add")).as(what).isNull();
                for (String resource : List.of("cpu", "memory")) {
                    assertThat(at(container, "resources.requests." + resource)).as(what + " request " + resource).isNotNull();
                    assertThat(at(container, "resources.limits." + resource)).as(what + " limit " + resource).isNotNull();
                }
            }
        }
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theRelayHasAWritableTmpOnItsReadOnlyRoot(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        Map<String, Object> mount = listOfMaps(manifests.container(), "volumeMounts").stream()
            .filter((candidate) -> "/tmp".equals(candidate.get("mountPath")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no volume on /tmp, where Tomcat and the JVM write"));
        assertThat(mount.get("readOnly")).isIn(null, false);
        Map<String, Object> volume = listOfMaps(manifests.podSpec(), "volumes").stream()
            .filter((candidate) -> mount.get("name").equals(candidate.get("name")))
            .findFirst()
            .orElseThrow();
        assertThat(volume).containsKey("emptyDir");
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void servicesAndTheDisruptionBudgetSelectTheRelayPods(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        Map<String, Object> podLabels = map(manifests.deployment(), "spec.template.metadata.labels");
        assertThat(podLabels).containsAllEntriesOf(map(manifests.deployment(), "spec.selector.matchLabels"));
        assertThat(podLabels).containsAllEntriesOf(map(manifests.get("Service", "switchboard"), "spec.selector"));
        assertThat(podLabels).containsAllEntriesOf(map(manifests.get("Service", "switchboard-admin"), "spec.selector"));

        Map<String, Object> budget = manifests.get("PodDisruptionBudget", "switchboard");
        assertThat(podLabels).containsAllEntriesOf(map(budget, "spec.selector.matchLabels"));
        int replicas = integer(manifests.deployment(), "spec.replicas");
        // The budget must let a node drain take a pod, even of one replica.
        if (at(budget, "spec.minAvailable") != null) {
            assertThat(integer(budget, "spec.minAvailable")).isLessThan(replicas);
        }
        else {
            assertThat(integer(budget, "spec.maxUnavailable")).isBetween(1, replicas);
        }
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theJvmFlagsLiveInTheImageAlone(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        for (Map<String, Object> workload : manifests.resources()) {
            for (Map<String, Object> container : containers(workload)) {
                assertThat(listOfMaps(container, "env")).as(describe(workload)).extracting((variable) -> variable.get("name"))
                    .doesNotContainAnyElementsOf(Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS"));
            }
        }
        assertThat(at(manifests.container(), "command")).as("the image's ENTRYPOINT runs as built").isNull();
        assertThat(at(manifests.container(), "args")).as("the image's ENTRYPOINT runs as built").isNull();
    }

    @Test
    void singleRunsOneRelayAndNoRedis() {
        Manifests single = Manifests.render("single");
        assertThat(integer(single.deployment(), "spec.replicas")).isEqualTo(1);
        assertThat(single.all("Deployment")).hasSize(1);
        assertThat(single.resources()).extracting((resource) -> string(resource, "metadata.name")).noneMatch((name) -> name.contains("redis"));
    }

    @Test
    void clusterRunsThreeRelaysAndARedis() {
        Manifests cluster = Manifests.render("cluster");
        assertThat(integer(cluster.deployment(), "spec.replicas")).isEqualTo(3);
        Map<String, Object> redis = cluster.get("Deployment", "redis");
        Map<String, Object> service = cluster.get("Service", "redis");
        assertThat(map(redis, "spec.template.metadata.labels")).containsAllEntriesOf(map(service, "spec.selector"));
        assertThat(at(service, "spec.type")).isIn(null, "ClusterIP");
    }

    @Test
    void everythingNamespacedLandsInTheSwitchboardNamespace() {
        for (String overlay : OVERLAYS) {
            Manifests manifests = Manifests.render(overlay);
            assertThat(manifests.get("Namespace", "switchboard")).isNotNull();
            Stream<Map<String, Object>> namespaced = manifests.resources().stream().filter((resource) -> !"Namespace".equals(resource.get("kind")));
            assertThat(namespaced).allSatisfy((resource) -> assertThat(at(resource, "metadata.namespace")).as(describe(resource)).isEqualTo("switchboard"));
        }
    }
}
