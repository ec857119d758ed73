package io.switchboard.admin;

/** The frame of every console page: head, scripts, navigation, a main landmark. */
final class ConsoleLayout {

    private ConsoleLayout() {
    }

    static String page(String title, String current, String body) {
        ConsoleHtml html = new ConsoleHtml();
        html.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .raw("<title>").text(title).raw(" · Switchboard console</title>")
            // No icon: else every page asks for /favicon.ico, and each 404 is a WARN line in the log.
            .raw("<link rel=\"icon\" href=\"data:,\">")
            .raw("<link rel=\"stylesheet\" href=\"/webjars/uplot/dist/uPlot.min.css\">")
            .raw("<link rel=\"stylesheet\" href=\"/console/assets/console.css\">")
            .raw("<script src=\"/webjars/htmx.org/dist/htmx.min.js\" defer></script>")
            .raw("<script src=\"/webjars/htmx-ext-sse/sse.js\" defer></script>")
            .raw("<script src=\"/webjars/uplot/dist/uPlot.iife.min.js\" defer></script>")
            .raw("<script src=\"/console/assets/console.js\" defer></script>")
            .raw("</head><body hx-ext=\"sse\"><a class=\"skip\" href=\"#main\">Skip to content</a>")
            .raw("<header><p class=\"brand\">Switchboard</p><nav aria-label=\"Console\"><ul>");
        link(html, "/console/", "Overview", current);
        link(html, "/console/clients", "Clients", current);
        html.raw("</ul></nav></header><main id=\"main\"><h1>").text(title).raw("</h1>").raw(body)
            .raw("</main></body></html>");
        return html.toString();
    }

    private static void link(ConsoleHtml html, String href, String label, String current) {
        html.raw("<li><a href=\"").text(href).raw("\"");
        if (label.equals(current)) {
            html.raw(" aria-current=\"page\"");
        }
        html.raw(">").text(label).raw("</a></li>");
    }
}
