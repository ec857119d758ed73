package io.switchboard.admin;

import java.io.IOException;

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

/**
 * The clients: list, look at, disconnect, and send to on the operator's behalf. Those of this
 * node, or in cluster mode those of every node.
 */
@RestController
@RequestMapping("/api/clients")
class ClientsController {

    private final Clients clients;
    private final OperatorSender sender;
    private final RequestBodies bodies;

    ClientsController(Clients clients, OperatorSender sender, RequestBodies bodies) {
        this.clients = clients;
        this.sender = sender;
        this.bodies = bodies;
    }

    @GetMapping
    ClientPage list(@RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String after) {
        return this.clients.page(ClientIds.parseAfter(after), ClientIds.parseLimit(limit));
    }

    @GetMapping("/{id}")
    ClientView get(@PathVariable String id) {
        return this.clients.get(ClientIds.parseId(id)).orElseThrow(ClientsController::notConnected);
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> disconnect(@PathVariable String id) {
        if (!this.clients.disconnect(ClientIds.parseId(id))) {
            throw notConnected();
        }
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

    private static ResponseStatusException notConnected() {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, SendOutcome.NOT_CONNECTED.detail);
    }

    /** The answer to a message written to its client. */
    record Delivered(boolean delivered) {
    }
}
