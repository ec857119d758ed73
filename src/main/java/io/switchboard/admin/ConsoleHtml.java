package io.switchboard.admin;

import org.jspecify.annotations.Nullable;

/**
 * The console's HTML, written by hand: a handful of pages and fragments do not pay for a template
 * engine. Everything that comes from a client (subject, address) or the operator goes through
 * {@link #text}. No output ever holds a raw line break, because fragments travel as the data of
 * one Server-Sent Event, where a line break would end the field.
 */
final class ConsoleHtml {

    private final StringBuilder out = new StringBuilder(1024);

    /** Escapes for element content and quoted attribute values alike. */
    static String escape(@Nullable String value) {
        if (value == null) {
            return "";
        }
        StringBuilder escaped = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                case '\n' -> escaped.append("&#10;");
                case '\r' -> escaped.append("&#13;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** Markup written by this code, never data. */
    ConsoleHtml raw(String markup) {
        this.out.append(markup);
        return this;
    }

    /** Data: escaped. */
    ConsoleHtml text(@Nullable Object value) {
        this.out.append(escape(value == null ? null : value.toString()));
        return this;
    }

    /** {@code <tag>escaped value</tag>}. */
    ConsoleHtml element(String tag, @Nullable Object value) {
        return raw("<" + tag + ">").text(value).raw("</" + tag + ">");
    }

    @Override
    public String toString() {
        return this.out.toString();
    }
}
