package io.switchboard.client;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;

import io.switchboard.client.bench.BenchCommand;

/**
 * The jar's command-line subcommands that run without the server: {@code client},
 * {@code bench} and {@code --help}. Anything else starts the server.
 */
public final class Commands {

    private static final Set<String> HELP = Set.of("--help", "-h", "help");

    private Commands() {
    }

    /** True when {@code args} name a client-side command rather than the server. */
    public static boolean handles(String[] args) {
        return args.length > 0 && (args[0].equals("client") || args[0].equals("bench") || HELP.contains(args[0]));
    }

    /**
     * Runs the command that {@code args} name.
     * @param terminal whether the output is a terminal (bench prints progress lines there)
     * @return the process exit code: 0 success, 1 failure, 2 bad usage
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, boolean terminal) {
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "client" -> new ChatCommand(in, out, err).run(rest);
            case "bench" -> new BenchCommand(out, err, terminal).run(rest);
            default -> {
                out.print(usage());
                yield 0;
            }
        };
    }

    /** What {@code --help} prints. */
    public static String usage() {
        return """
                Switchboard: a TCP relay between clients identified by numeric IDs.

                usage: java -jar switchboard.jar [--PROPERTY=VALUE ...]
                         runs the server (TCP relay on 7070, admin HTTP on 8080 by default;
                         e.g. --switchboard.tcp.port=7071 --server.port=8081)
                       java -jar switchboard.jar client HOST:PORT
                         an interactive client: prints its ID, sends lines '<id> <text>',
                         prints what arrives as '<src>: <text>'
                       java -jar switchboard.jar bench HOST:PORT --scenario pairs|latency|fanin|slow|connect [options]
                         a load test; 'bench --help' lists its options
                       java -jar switchboard.jar --help
                         this text
                """;
    }
}
