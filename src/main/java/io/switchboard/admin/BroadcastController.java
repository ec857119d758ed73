package io.switchboard.admin;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Sends one message to every client connected now (on every node in cluster mode) whose queue has room, without waiting. */
@RestController
class BroadcastController {

    private final OperatorSender sender;
    private final RequestBodies bodies;

    BroadcastController(OperatorSender sender, RequestBodies bodies) {
        this.sender = sender;
        this.bodies = bodies;
    }

    @PostMapping("/api/broadcast")
    Recipients broadcast(HttpServletRequest request) throws IOException {
        return this.sender.broadcast(this.bodies.read(request));
    }
}
