package io.switchboard.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.yaml.snakeyaml.Yaml;

/**
 * The part of kustomize that deploy/kubernetes uses, in Java, so that the manifest tests run on a
 * machine without kubectl: resources (files and directories), components, namespace, replicas,
 * images, and patches given by path (strategic merge, the target named by the patch itself). A
 * component ({@code kind: Component}) adds its resources to those of the kustomization that
 * names it and patches all of them, before that kustomization's own patches, as kustomize does.
 * A kustomization
 * that uses anything else is refused rather than rendered wrongly; {@code KubectlKustomizeTest}
 * compares this rendering with kustomize's own wherever kubectl is installed.
 */
final class KustomizeRenderer {

    private static final Set<String> SUPPORTED_FIELDS = Set.of("apiVersion", "kind", "namespace", "resources",
            "components", "replicas", "images", "patches");

    private static final Set<String> CLUSTER_SCOPED_KINDS = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass");

    /** Strategic merge keys of the lists the manifests patch; any other list is replaced whole, as there. */
    private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
            "env", "name", "volumes", "name", "volumeMounts", "mountPath", "topologySpreadConstraints", "topologyKey",
            "imagePullSecrets", "name");

    private KustomizeRenderer() {
    }

    /** The resources the kustomization in {@code directory} renders, in the order they were loaded. */
    static List<Map<String, Object>> render(Path directory) {
        Map<String, Object> kustomization = loadKustomization(directory);
        if ("Component".equals(kustomization.get("kind"))) {
            throw new IllegalStateException(directory + " is a component: name it in an overlay's components");
        }
        List<Map<String, Object>> resources = new ArrayList<>();
        transform(directory, kustomization, resources);
        return resources;
    }

    /** Adds a kustomization's (or component's) resources to {@code resources}, then transforms them all. */
    private static void transform(Path directory, Map<String, Object> kustomization, List<Map<String, Object>> resources) {
        for (Object entry : list(kustomization.get("resources"))) {
            Path path = directory.resolve((String) entry).normalize();
            resources.addAll(Files.isDirectory(path) ? render(path) : load(path));
        }
        for (Object entry : list(kustomization.get("components"))) {
            Path component = directory.resolve((String) entry).normalize();
            Map<String, Object> componentKustomization = loadKustomization(component);
            if (!"Component".equals(componentKustomization.get("kind"))) {
                throw new IllegalStateException(component + " is named as a component but is a " + componentKustomization.get("kind"));
            }
            transform(component, componentKustomization, resources);
        }
        for (Object entry : list(kustomization.get("patches"))) {
            Map<String, Object> patch = map(entry);
            if (!patch.keySet().equals(Set.of("path"))) {
                throw new UnsupportedOperationException("only patches given by path are rendered here: " + patch);
            }
            for (Map<String, Object> document : load(directory.resolve((String) patch.get("path")))) {
                applyPatch(resources, document);
            }
        }
        for (Object entry : list(kustomization.get("replicas"))) {
            Map<String, Object> replicas = map(entry);
            Map<String, Object> target = find(resources, Set.of("Deployment", "StatefulSet", "ReplicaSet"),
                    (String) replicas.get("name"));
            map(target.get("spec")).put("replicas", replicas.get("count"));
        }
        for (Object entry : list(kustomization.get("images"))) {
            setImage(resources, map(entry));
        }
        Object namespace = kustomization.get("namespace");
        if (namespace != null) {
            for (Map<String, Object> resource : resources) {
                if (!CLUSTER_SCOPED_KINDS.contains(resource.get("kind"))) {
                    map(resource.get("metadata")).put("namespace", namespace);
                }
            }
        }
    }

    private static Map<String, Object> loadKustomization(Path directory) {
        List<Map<String, Object>> documents = load(directory.resolve("kustomization.yaml"));
        if (documents.size() != 1) {
            throw new IllegalStateException(directory + "/kustomization.yaml must hold one document");
        }
        Map<String, Object> kustomization = documents.getFirst();
        Set<String> unknown = new TreeSet<>(kustomization.keySet());
        unknown.removeAll(SUPPORTED_FIELDS);
        if (!unknown.isEmpty()) {
            throw new UnsupportedOperationException(directory + "/kustomization.yaml uses " + unknown
                    + ", which this renderer does not know: teach it, and let KubectlKustomizeTest compare it with kustomize");
        }
        return kustomization;
    }

    static List<Map<String, Object>> load(Path file) {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file)) {
            for (Object document : new Yaml().loadAll(reader)) {
                if (document != null) {
                    documents.add(map(document));
                }
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot read " + file, ex);
        }
        return documents;
    }

    private static void applyPatch(List<Map<String, Object>> resources, Map<String, Object> patch) {
        Map<String, Object> metadata = map(patch.get("metadata"));
        Map<String, Object> target = find(resources, Set.of((String) patch.get("kind")), (String) metadata.get("name"));
        Map<String, Object> merged = mergeMaps(target, patch);
        target.clear();
        target.putAll(merged);
    }

    @SuppressWarnings("unchecked")
    private static Object merge(Object base, Object patch, String field) {
        if (base instanceof Map<?, ?> baseMap && patch instanceof Map<?, ?> patchMap) {
            return mergeMaps((Map<String, Object>) baseMap, (Map<String, Object>) patchMap);
        }
        String key = MERGE_KEYS.get(field);
        if (key != null && base instanceof List<?> baseList && patch instanceof List<?> patchList) {
            return mergeLists(baseList, patchList, key);
        }
        return patch;
    }

    private static Map<String, Object> mergeMaps(Map<String, Object> base, Map<String, Object> patch) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        patch.forEach((field, value) -> {
            if (field.startsWith("$")) {
                throw new UnsupportedOperationException("patch directive " + field + " is not rendered here");
            }
            if (value == null) {
                merged.remove(field);
            }
            else {
                merged.put(field, merge(base.get(field), value, field));
            }
        });
        return merged;
    }

    /** Items the base has are merged in place; the patch's new items come first, in its order, as kustomize puts them. */
    private static List<Object> mergeLists(List<?> base, List<?> patch, String key) {
        List<Object> merged = new ArrayList<>(base);
        List<Object> added = new ArrayList<>();
        for (Object item : patch) {
            Object name = map(item).get(key);
            int index = -1;
            for (int i = 0; i < merged.size(); i++) {
                if (Objects.equals(map(merged.get(i)).get(key), name)) {
                    index = i;
                }
            }
            if (index < 0) {
                added.add(item);
            }
            else {
                merged.set(index, mergeMaps(map(merged.get(index)), map(item)));
            }
        }
        added.addAll(merged);
        return added;
    }

    private static void setImage(List<Map<String, Object>> resources, Map<String, Object> image) {
        String name = (String) image.get("name");
        for (Map<String, Object> resource : resources) {
            for (Map<String, Object> container : Manifests.containers(resource)) {
                String current = (String) container.get("image");
                int tagAt = current.indexOf('@') >= 0 ? current.indexOf('@') : current.lastIndexOf(':');
                String repository = tagAt > current.lastIndexOf('/') ? current.substring(0, tagAt) : current;
                if (!repository.equals(name)) {
                    continue;
                }
                String newName = (String) image.getOrDefault("newName", repository);
                if (image.containsKey("digest")) {
                    container.put("image", newName + "@" + image.get("digest"));
                }
                else if (image.containsKey("newTag")) {
                    container.put("image", newName + ":" + image.get("newTag"));
                }
                else {
                    container.put("image", newName + current.substring(repository.length()));
                }
            }
        }
    }

    private static Map<String, Object> find(List<Map<String, Object>> resources, Set<String> kinds, String name) {
        return resources.stream()
            .filter((resource) -> kinds.contains(resource.get("kind")))
            .filter((resource) -> name.equals(map(resource.get("metadata")).get("name")))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no " + kinds + " named " + name + " to change"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalStateException("expected a mapping, found " + value);
    }

    private static List<?> list(Object value) {
        return (value == null) ? List.of() : (List<?>) value;
    }
}
