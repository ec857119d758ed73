package io.switchboard.deploy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.json.JsonParserFactory;

/**
 * The project's Dockerfile, parsed into stages and instructions: enough of the syntax for the
 * tests to read what the image builds and runs (comments, line continuations, FROM ... AS,
 * exec-form arrays, ENV key="value").
 *
 * @param stages the build stages, in order
 */
record Dockerfile(List<Stage> stages) {

    private static final Pattern FROM = Pattern.compile("(?i)(\\S+)(?:\\s+AS\\s+(\\S+))?");

    private static final Pattern ENV = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");

    static Dockerfile read() {
        List<Stage> stages = new ArrayList<>();
        StringBuilder logical = new StringBuilder();
        for (String line : ProjectFiles.lines("Dockerfile")) {
            String stripped = line.strip();
            if (stripped.startsWith("#") || (stripped.isEmpty() && logical.isEmpty())) {
                continue;
            }
            if (stripped.endsWith("\\")) {
                logical.append(stripped, 0, stripped.length() - 1).append(' ');
                continue;
            }
            logical.append(stripped);
            String[] parts = logical.toString().strip().split("\\s+", 2);
            logical.setLength(0);
            Instruction instruction = new Instruction(parts[0].toUpperCase(Locale.ROOT), (parts.length > 1) ? parts[1] : "");
            if (instruction.keyword().equals("FROM")) {
                Matcher from = FROM.matcher(instruction.arguments());
                if (!from.matches()) {
                    throw new AssertionError("cannot read FROM " + instruction.arguments());
                }
                stages.add(new Stage(from.group(1), from.group(2), new ArrayList<>()));
            }
            else if (stages.isEmpty()) {
                throw new AssertionError("Dockerfile: " + instruction + " before any FROM");
            }
            else {
                stages.getLast().instructions().add(instruction);
            }
        }
        return new Dockerfile(List.copyOf(stages));
    }

    Stage stage(String name) {
        return this.stages.stream()
            .filter((stage) -> name.equals(stage.name()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the Dockerfile has no stage named " + name));
    }

    /** The stage the image is made of. */
    Stage last() {
        return this.stages.getLast();
    }

    /**
     * @param image the base image
     * @param name the name given with AS, or null
     * @param instructions what follows the FROM, in order
     */
    record Stage(String image, String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return this.instructions.stream().filter((instruction) -> instruction.keyword().equals(keyword)).toList();
        }

        Optional<Instruction> lastOf(String keyword) {
            List<Instruction> all = all(keyword);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
        }

        /** The shell commands of the RUN instructions, without their --mount and similar flags. */
        List<String> runCommands() {
            return all("RUN").stream().map((run) -> String.join(" ", run.withoutFlags())).toList();
        }

        /** The value of an ENV variable set in this stage, unquoted; empty when not set. */
        Optional<String> env(String name) {
            Optional<String> value = Optional.empty();
            for (Instruction env : all("ENV")) {
                Matcher matcher = ENV.matcher(env.arguments());
                while (matcher.find()) {
                    if (matcher.group(1).equals(name)) {
                        String raw = matcher.group(2);
                        value = Optional.of(raw.startsWith("\"") ? raw.substring(1, raw.length() - 1).replace("\\\"", "\"") : raw);
                    }
                }
            }
            return value;
        }
    }

    /**
     * @param keyword the instruction, upper case
     * @param arguments the rest of its logical line
     */
    record Instruction(String keyword, String arguments) {

        /** The words after any leading --flag=value options (as in COPY --from=build or RUN --mount=...). */
        List<String> withoutFlags() {
            List<String> words = new ArrayList<>(Arrays.asList(this.arguments.split("\\s+")));
            while (!words.isEmpty() && words.getFirst().startsWith("--")) {
                words.removeFirst();
            }
            return words;
        }

        /** The value of a leading --name=value option. */
        Optional<String> flag(String name) {
            for (String word : this.arguments.split("\\s+")) {
                if (!word.startsWith("--")) {
                    break;
                }
                if (word.startsWith("--" + name + "=")) {
                    return Optional.of(word.substring(name.length() + 3));
                }
            }
            return Optional.empty();
        }

        /** The JSON array of the exec form, or empty for the shell form. */
        Optional<List<String>> execForm() {
            String trimmed = this.arguments.strip();
            if (!trimmed.startsWith("[")) {
                return Optional.empty();
            }
            List<Object> array = JsonParserFactory.getJsonParser().parseList(trimmed);
            return Optional.of(array.stream().map(String.class::cast).toList());
        }
    }
}
