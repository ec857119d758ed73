package io.switchboard.admin;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Sends one message to every client connected now whose queue has room, without waiting. */
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
        return new Recipients(this.sender.broadcast(this.bodies.read(request)));
    }

    /** @param recipients the clients whose queues took the message */
    record Recipients(int recipients) {
    }
}
