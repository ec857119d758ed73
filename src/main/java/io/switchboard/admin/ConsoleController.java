package io.switchboard.admin;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The operator console under {@code /console/}: HTML pages and the fragments htmx swaps in, over
 * the same services as the API ({@link Clients}, {@link OperatorSender}), behind the same
 * security chain (the operator's HTTP Basic; {@link CrossSiteRequestFilter} for every POST, which
 * the console's own same-origin requests pass by their Origin header).
 */
@Controller
@RequestMapping("/console")
class ConsoleController {

    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

    private final Clients clients;
    private final boolean cluster;
    private final ClientFinder finder;
    private final OperatorSender sender;
    private final RequestBodies bodies;
    private final ConsoleStreams streams;
    private final OverviewView overview;

    ConsoleController(Clients clients, OperatorSender sender, RequestBodies bodies, ConsoleStreams streams,
            RelaySampler sampler) {
        this.clients = clients;
        this.cluster = clients instanceof ClusterClients;
        this.finder = new ClientFinder(clients);
        this.sender = sender;
        this.bodies = bodies;
        this.streams = streams;
        this.overview = new OverviewView(sampler,
                (clients instanceof ClusterClients cluster) ? new NodeTable(cluster::loads, Clock.systemUTC()) : null);
    }

    @GetMapping("")
    ResponseEntity<Void> root() {
        return ResponseEntity.status(HttpStatus.FOUND).header("Location", "/console/").build();
    }

    @GetMapping("/")
    ResponseEntity<String> overview() {
        return html(this.overview.page());
    }

    @GetMapping(path = "/overview/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    ResponseEntity<SseEmitter> overviewStream() {
        return stream(this.overview::events);
    }

    @GetMapping("/clients")
    ResponseEntity<String> clients(@RequestParam(required = false) @Nullable String q,
            @RequestParam(required = false) @Nullable String order, @RequestParam(required = false) @Nullable String after,
            @RequestParam(required = false) @Nullable String size) {
        ClientQuery query = ClientQuery.of(q, order, after, size);
        return html(ClientsView.list(query, this.finder.find(query), this.cluster));
    }

    @GetMapping(path = "/clients/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    ResponseEntity<SseEmitter> clientsStream(@RequestParam(required = false) @Nullable String after,
            @RequestParam(required = false) @Nullable String size, @RequestParam(required = false) @Nullable String ids) {
        if (ids != null) {
            List<Long> shown = Arrays.stream(ids.split(",")).filter((id) -> !id.isEmpty())
                    .limit(ClientQuery.MAX_SIZE).map((id) -> Integer.toUnsignedLong(ClientIds.parseId(id)))
                    .toList();
            return stream(ClientRowsFeed.of(this.clients, this.cluster, shown));
        }
        ClientQuery query = ClientQuery.of(null, null, after, size);
        return stream(ClientRowsFeed.page(this.clients, this.cluster, query.after(), query.size()));
    }

    @GetMapping("/clients/{id}")
    ResponseEntity<String> client(@PathVariable String id) {
        int client = ClientIds.parseId(id);
        return this.clients.get(client).map(ClientsView::detail).map(ConsoleController::html)
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(HTML)
                        .body(ClientsView.notConnected(Integer.toUnsignedLong(client))));
    }

    @PostMapping("/clients/{id}/disconnect")
    ResponseEntity<String> disconnect(@PathVariable String id) {
        boolean disconnected = this.clients.disconnect(ClientIds.parseId(id));
        return html(disconnected ? ClientsView.outcome(204, "disconnected", null)
                : ClientsView.outcome(404, "Not Found", SendOutcome.NOT_CONNECTED.detail));
    }

    /** Sends as the API's {@code POST /api/clients/{id}/messages} does, and shows its status: 200 or the error's. */
    @PostMapping("/clients/{id}/messages")
    ResponseEntity<String> send(@PathVariable String id, @RequestParam(defaultValue = "") String body,
            @RequestParam(defaultValue = "text") String format) throws InterruptedException {
        int dest = ClientIds.parseId(id);
        byte[] payload = payload(body, format);
        String refused = refusal(payload);
        if (refused != null) { // payload is null only when refused
            return html(refused);
        }
        SendOutcome outcome = this.sender.send(dest, payload);
        return html(outcome == SendOutcome.DELIVERED
                ? ClientsView.outcome(200, "delivered", payload.length + " bytes written to client " + Integer.toUnsignedLong(dest))
                : ClientsView.outcome(outcome.status.value(), outcome.status.getReasonPhrase(), outcome.detail));
    }

    @PostMapping("/broadcast")
    ResponseEntity<String> broadcast(@RequestParam(defaultValue = "") String body,
            @RequestParam(defaultValue = "text") String format) {
        byte[] payload = payload(body, format);
        String refused = refusal(payload);
        if (refused != null) { // payload is null only when refused
            return html(refused);
        }
        Recipients recipients = this.sender.broadcast(payload);
        String unanswered = recipients.unanswered().isEmpty() ? ""
                : "; nodes that did not answer (their clients may have it): " + String.join(", ", recipients.unanswered());
        return html(ClientsView.outcome(200, "sent", "to " + recipients.recipients() + " clients" + unanswered));
    }

    /** Why a message cannot be sent, as the API would answer (400, 413); null when it can. */
    private @Nullable String refusal(byte @Nullable [] payload) {
        if (payload == null) {
            return ClientsView.outcome(400, "Bad Request", "Hex is pairs of the digits 0-9 and a-f, spaces allowed");
        }
        if (!this.bodies.fits(payload)) {
            return ClientsView.outcome(413, "Content Too Large",
                    "The body is over max-payload-bytes (" + this.bodies.maxPayloadBytes() + ")");
        }
        return null;
    }

    /** The bytes the operator means: the text as UTF-8, or the hex digits' bytes; null when the hex is not hex. */
    private static byte @Nullable [] payload(String body, String format) {
        if (!"hex".equals(format)) {
            return body.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return HexFormat.of().parseHex(body.replaceAll("\\s+", ""));
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }

    private ResponseEntity<SseEmitter> stream(ConsoleFeed feed) {
        return this.streams.open(feed).map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "10").build());
    }

    private static ResponseEntity<String> html(String body) {
        return ResponseEntity.ok().contentType(HTML).cacheControl(org.springframework.http.CacheControl.noStore()).body(body);
    }
}
