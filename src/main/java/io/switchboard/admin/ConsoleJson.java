package io.switchboard.admin;

import java.util.Locale;

/**
 * The little JSON the console's charts read, written by hand as its HTML is. Strings are safe
 * inside a {@code <script>} element as they are (no {@code <}, {@code >} or {@code &}: they are
 * written as escapes), and in an attribute once {@link ConsoleHtml} has escaped them.
 */
final class ConsoleJson {

    private ConsoleJson() {
    }

    static void string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    }
                    else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    /** To one decimal; null when unknown (NaN), which a chart shows as a gap. */
    static void rate(StringBuilder json, double value) {
        json.append(Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.1f", value));
    }
}
