package io.switchboard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import io.switchboard.client.Commands;

@SpringBootApplication
public class SwitchboardApplication {

    public static void main(String[] args) {
        // client, bench and --help run without Spring: no context, no ports taken.
        if (Commands.handles(args)) {
            System.exit(Commands.run(args, System.in, System.out, System.err, System.console() != null && System.console().isTerminal()));
        }
        SpringApplication.run(SwitchboardApplication.class, args);
    }
}
