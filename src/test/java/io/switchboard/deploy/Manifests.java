package io.switchboard.deploy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One overlay of deploy/kubernetes as rendered, with the look-ups the tests need. Every look-up
 * that finds nothing fails with the path it looked for, not a NullPointerException.
 *
 * @param overlay the overlay's directory name
 * @param resources the rendered resources
 */
record Manifests(String overlay, List<Map<String, Object>> resources) {

    static final Path KUBERNETES = ProjectFiles.ROOT.resolve("deploy/kubernetes");

    /** The relay's Deployment and container: both named like the application. */
    static final String APP = "switchboard";

    static final List<String> OVERLAYS = List.of("single", "cluster", "single-tls");

    static Path overlayDirectory(String overlay) {
        return KUBERNETES.resolve("overlays").resolve(overlay);
    }

    /** Rendered by {@link KustomizeRenderer}, which needs nothing installed. */
    static Manifests render(String overlay) {
        return new Manifests(overlay, KustomizeRenderer.render(overlayDirectory(overlay)));
    }

    List<Map<String, Object>> all(String kind) {
        return this.resources.stream().filter((resource) -> kind.equals(resource.get("kind"))).toList();
    }

    Map<String, Object> get(String kind, String name) {
        return all(kind).stream()
            .filter((resource) -> name.equals(string(resource, "metadata.name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError(this.overlay + ": no " + kind + " named " + name));
    }

    Map<String, Object> deployment() {
        return get("Deployment", APP);
    }

    Map<String, Object> podSpec() {
        return map(deployment(), "spec.template.spec");
    }

    Map<String, Object> container() {
        return containers(deployment()).stream()
            .filter((container) -> APP.equals(container.get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError(this.overlay + ": no container " + APP));
    }

    /** Whether a Service's selector picks the relay's pods. */
    boolean selects(Map<String, Object> service) {
        Object selector = at(service, "spec.selector");
        return selector instanceof Map<?, ?> labels && !labels.isEmpty()
                && map(deployment(), "spec.template.metadata.labels").entrySet().containsAll(labels.entrySet());
    }

    /** The container's port of that name. */
    int containerPort(String name) {
        return listOfMaps(container(), "ports").stream()
            .filter((port) -> name.equals(port.get("name")))
            .map((port) -> (Integer) port.get("containerPort"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(this.overlay + ": the container has no port named " + name));
    }

    /** A port given by number or by the name of one of the container's ports, as a number. */
    int resolvePort(Object port) {
        return (port instanceof Integer number) ? number : containerPort((String) port);
    }

    /**
     * The environment the container starts with, as Kubernetes builds it: every key of the
     * ConfigMaps and Secrets named by envFrom, then each env entry (which wins), with
     * configMapKeyRef and secretKeyRef resolved against the rendered ConfigMaps and Secrets.
     */
    Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        for (Map<String, Object> source : listOfMaps(container(), "envFrom")) {
            String prefix = (String) source.getOrDefault("prefix", "");
            if (source.containsKey("configMapRef")) {
                configMapData(string(source, "configMapRef.name")).forEach((key, value) -> environment.put(prefix + key, value));
            }
            else if (source.containsKey("secretRef")) {
                secretData(string(source, "secretRef.name")).forEach((key, value) -> environment.put(prefix + key, value));
            }
            else {
                throw new AssertionError(this.overlay + ": unknown envFrom source " + source);
            }
        }
        for (Map<String, Object> variable : listOfMaps(container(), "env")) {
            String name = (String) variable.get("name");
            if (variable.containsKey("value")) {
                environment.put(name, String.valueOf(variable.get("value")));
            }
            else if (variable.get("valueFrom") instanceof Map<?, ?> from && from.containsKey("secretKeyRef")) {
                environment.put(name, secretValue(string(variable, "valueFrom.secretKeyRef.name"),
                        string(variable, "valueFrom.secretKeyRef.key")));
            }
            else if (variable.get("valueFrom") instanceof Map<?, ?> from && from.containsKey("configMapKeyRef")) {
                String map = string(variable, "valueFrom.configMapKeyRef.name");
                String key = string(variable, "valueFrom.configMapKeyRef.key");
                environment.put(name, required(configMapData(map), key, "ConfigMap " + map));
            }
            else {
                throw new AssertionError(this.overlay + ": env " + name + " has a source the tests cannot resolve");
            }
        }
        return environment;
    }

    Map<String, String> configMapData(String name) {
        Map<String, String> data = new LinkedHashMap<>();
        Object values = get("ConfigMap", name).get("data");
        if (values instanceof Map<?, ?> map) {
            map.forEach((key, value) -> data.put((String) key, String.valueOf(value)));
        }
        return data;
    }

    /** A Secret's keys and decoded values, from data (base64) and stringData alike. */
    Map<String, String> secretData(String name) {
        Map<String, Object> secret = get("Secret", name);
        Map<String, String> data = new LinkedHashMap<>();
        if (secret.get("data") instanceof Map<?, ?> encoded) {
            encoded.forEach((key, value) -> data.put((String) key,
                    new String(Base64.getDecoder().decode((String) value), StandardCharsets.UTF_8)));
        }
        if (secret.get("stringData") instanceof Map<?, ?> plain) {
            plain.forEach((key, value) -> data.put((String) key, String.valueOf(value)));
        }
        return data;
    }

    String secretValue(String secret, String key) {
        return required(secretData(secret), key, "Secret " + secret);
    }

    private String required(Map<String, String> data, String key, String what) {
        String value = data.get(key);
        if (value == null) {
            throw new AssertionError(this.overlay + ": " + what + " has no key " + key + " (it has " + data.keySet() + ")");
        }
        return value;
    }

    /** The containers and init containers of a workload's pod template; none for other kinds. */
    static List<Map<String, Object>> containers(Map<String, Object> resource) {
        Object spec = resource.get("spec");
        if (!(spec instanceof Map<?, ?> specMap) || !(specMap.get("template") instanceof Map<?, ?> template)
                || !(template.get("spec") instanceof Map<?, ?> podSpec)) {
            return List.of();
        }
        List<Map<String, Object>> containers = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            if (podSpec.get(field) instanceof List<?> list) {
                list.forEach((container) -> containers.add(asMap(container)));
            }
        }
        return containers;
    }

    /** The value at a dotted path, or null where any step is missing. */
    static Object at(Object node, String path) {
        Object current = node;
        for (String step : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(step);
        }
        return current;
    }

    static Object required(Object node, String path) {
        Object value = at(node, path);
        if (value == null) {
            throw new AssertionError("missing " + path + " in " + describe(node));
        }
        return value;
    }

    static Map<String, Object> map(Object node, String path) {
        return asMap(required(node, path));
    }

    static String string(Object node, String path) {
        return String.valueOf(required(node, path));
    }

    static int integer(Object node, String path) {
        return ((Number) required(node, path)).intValue();
    }

    /** A list of mappings at that path; empty when the path is missing. */
    static List<Map<String, Object>> listOfMaps(Object node, String path) {
        Object value = at(node, path);
        if (value == null) {
            return List.of();
        }
        return ((List<?>) value).stream().map(Manifests::asMap).toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object value) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new AssertionError("expected a mapping, found " + value);
    }

    static String describe(Object node) {
        if (node instanceof Map<?, ?> map && map.get("kind") != null && at(map, "metadata.name") != null) {
            return map.get("kind") + " " + at(map, "metadata.name");
        }
        return String.valueOf(node);
    }
}
