package io.switchboard.admin;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.ClientSession;

/** The clients of this node: list, look at, disconnect, and send to on the operator's behalf. */
@RestController
@RequestMapping("/api/clients")
class ClientsController {

    private final ClientRegistry registry;
    private final OperatorSender sender;
    private final RequestBodies bodies;

    ClientsController(ClientRegistry registry, OperatorSender sender, RequestBodies bodies) {
        this.registry = registry;
        this.sender = sender;
        this.bodies = bodies;
    }

    @GetMapping
    ClientPage list(@RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String after) {
        int max = ClientIds.parseLimit(limit);
        List<ClientSession> page = this.registry.pageAfter(ClientIds.parseAfter(after), max);
        Long next = null;
        if (page.size() > max) {
            page = page.subList(0, max);
            next = page.getLast().idAsLong();
        }
        return new ClientPage(page.stream().map(ClientView::of).toList(), next);
    }

    @GetMapping("/{id}")
    ClientView get(@PathVariable String id) {
        return ClientView.of(connected(ClientIds.parseId(id)));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> disconnect(@PathVariable String id) {
        connected(ClientIds.parseId(id)).disconnect();
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/messages")
    Delivered send(@PathVariable String id, HttpServletRequest request) throws IOException {
        int dest = ClientIds.parseId(id);
        byte[] body = this.bodies.read(request);
        SendOutcome outcome;
        try {
            outcome = this.sender.send(dest, body);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "Interrupted before the outcome was known");
        }
        if (outcome != SendOutcome.DELIVERED) {
            throw new ResponseStatusException(outcome.status, outcome.detail);
        }
        return new Delivered(true);
    }

    private ClientSession connected(int id) {
        ClientSession session = this.registry.get(id);
        if (session == null || session.isClosed()) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, SendOutcome.NOT_CONNECTED.detail);
        }
        return session;
    }

    /** The answer to a message written to its client. */
    record Delivered(boolean delivered) {
    }
}
