package io.switchboard.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.springframework.boot.json.JsonParserFactory;

/**
 * The {@code switchboard.*} settings there are: those the configuration processor found on the
 * application's {@code @ConfigurationProperties} records, read from the metadata it wrote
 * ({@code META-INF/spring-configuration-metadata.json}), so that the list cannot drift from the
 * code. Names compare the way Spring Boot binds them: case, dashes, dots and underscores aside
 * ({@code SWITCHBOARD_MAX_PAYLOAD_BYTES} is {@code switchboard.max-payload-bytes}).
 */
final class KnownSettings {

    static final String PREFIX = "switchboard.";

    /** By canonical form, the documented name. */
    private final Map<String, String> names;

    private KnownSettings(Map<String, String> names) {
        this.names = names;
    }

    static KnownSettings load(ClassLoader classLoader) {
        Map<String, String> names = new LinkedHashMap<>();
        try {
            for (URL url : Collections.list(classLoader.getResources("META-INF/spring-configuration-metadata.json"))) {
                try (InputStream in = url.openStream()) {
                    Map<String, Object> metadata = JsonParserFactory.getJsonParser()
                            .parseMap(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                    for (Object entry : (List<?>) metadata.getOrDefault("properties", List.of())) {
                        if (entry instanceof Map<?, ?> property && property.get("name") instanceof String name
                                && name.startsWith(PREFIX)) {
                            names.put(canonical(name), name);
                        }
                    }
                }
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot read the configuration metadata", ex);
        }
        return new KnownSettings(names);
    }

    boolean isEmpty() {
        return this.names.isEmpty();
    }

    /** Whether {@code key}, as a property source holds it, names a {@code switchboard.*} setting at all. */
    static boolean isOurs(String key) {
        return key.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) || key.startsWith("SWITCHBOARD_");
    }

    boolean contains(String key) {
        return this.names.containsKey(canonical(key));
    }

    /** The known name closest to {@code key}: the same last word, else a few letters apart. */
    Optional<String> nearest(String key) {
        String canonical = canonical(key);
        String word = key.toLowerCase(Locale.ROOT).replaceAll(".*[._]", "").replaceAll("[^a-z0-9]", "");
        Optional<String> sameWord = this.names.values().stream()
                .filter((name) -> canonical(name.substring(name.lastIndexOf('.') + 1)).equals(word) && !word.isEmpty())
                .findFirst();
        if (sameWord.isPresent()) {
            return sameWord;
        }
        return this.names.entrySet().stream()
                .filter((entry) -> distance(entry.getKey(), canonical) <= 3)
                .min(Comparator.comparingInt((Map.Entry<String, String> entry) -> distance(entry.getKey(), canonical)))
                .map(Map.Entry::getValue);
    }

    private static String canonical(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
