package io.switchboard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import io.switchboard.Commands;

@SpringBootApplication
public class SwitchboardApplication {

    public static void main(String[] args) {
        // Only settings start the server; client, bench, --help, --version and mistakes run
        // without Spring: no context, no ports taken.
        if (!Commands.startsServer(args)) {
            System.exit(Commands.run(args, System.in, System.out, System.err, System.console() != null && System.console().isTerminal()));
        }
        SpringApplication.run(SwitchboardApplication.class, args);
    }
}
