package io.switchboard;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import io.switchboard.cli.BuildVersion;
import io.switchboard.cli.ChatCommand;
import io.switchboard.cli.TokenCommand;
import io.switchboard.cli.bench.BenchCommand;

/**
 * The jar's command line. Settings alone ({@code --name=value ...}, or nothing) start the
 * server; everything else runs here, without Spring: the {@code client}, {@code bench} and
 * {@code token} subcommands, {@code --help}, {@code --version}, and the bash completion script. A word that
 * is no subcommand is refused (it used to start a server), and so is anything among server
 * settings that is not one. Usage errors print the error and one line of usage, exit code 2.
 */
@Command(name = "switchboard", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        usageHelpWidth = 100, synopsisHeading = "", customSynopsis = {
            "Switchboard: a TCP relay between clients identified by numeric IDs.",
            "",
            "usage: java -jar switchboard.jar [--PROPERTY=VALUE ...]",
            "         runs the server (TCP relay on 7070, admin HTTP on 8080 by default;",
            "         e.g. --switchboard.tcp.port=7071 --server.port=8081)",
            "       java -jar switchboard.jar client HOST:PORT",
            "         an interactive client: prints its ID, sends lines '<id> <text>',",
            "         prints what arrives as '<src>: <text>'",
            "       java -jar switchboard.jar bench HOST:PORT --scenario S [options]",
            "         a load test: pairs, latency, fanin, slow or connect; 'bench --help' lists its options",
            "       java -jar switchboard.jar token [--sub S] [--sid N] [--send ID,...] [--ttl D]",
            "         mints a connect token offline with $SWITCHBOARD_AUTH_JWT_SECRET (token mode)",
            "       java -jar switchboard.jar generate-completion",
            "         bash completion for a command 'switchboard': alias switchboard='java -jar /path/to/switchboard.jar'",
            "         then source <(switchboard generate-completion)",
            "       java -jar switchboard.jar --help | --version",
            "" }, commandListHeading = "%nsubcommands:%n", optionListHeading = "%noptions:%n")
public final class Commands {

    /** The usage line printed under an error of the top level. */
    static final String SHORT_USAGE = "usage: java -jar switchboard.jar [--PROPERTY=VALUE ...] | client HOST:PORT"
            + " | bench HOST:PORT --scenario S [options] | token [options] | --help | --version";

    private static final Set<String> OWN_OPTIONS = Set.of("--help", "-h", "--version", "-V");

    /** True when {@code args} start the server: none, or settings {@code --name[=value]} only. */
    public static boolean startsServer(String[] args) {
        return Arrays.stream(args).allMatch((arg) -> arg.startsWith("--") && arg.length() > 2 && !OWN_OPTIONS.contains(arg));
    }

    /** True when {@code args} are for this class rather than the server. */
    public static boolean handles(String[] args) {
        return !startsServer(args);
    }

    /**
     * Runs what {@code args} name.
     * @param terminal whether the output is a terminal (bench prints progress lines there)
     * @return the process exit code: 0 success, 1 failure, 2 bad usage
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, boolean terminal) {
        PrintWriter outWriter = new PrintWriter(out, true, charset(out));
        PrintWriter errWriter = new PrintWriter(err, true, charset(err));
        if (args.length > 0 && args[0].startsWith("--") && !OWN_OPTIONS.contains(args[0])) {
            // Server settings, with something among them that is not one.
            String stray = Arrays.stream(args).filter((arg) -> !arg.startsWith("--") || arg.length() == 2
                    || OWN_OPTIONS.contains(arg)).findFirst().orElseThrow();
            errWriter.println("'" + stray + "' is not a server setting: settings are --name=value"
                    + (stray.startsWith("-") && !stray.startsWith("--") ? " (JVM options such as " + stray + " go before -jar)" : "")
                    + (OWN_OPTIONS.contains(stray) ? " (" + stray + " goes alone)" : ""));
            errWriter.println(SHORT_USAGE);
            return 2;
        }
        CommandLine commandLine = new CommandLine(new Commands())
                .addSubcommand(new ChatCommand(in, out, err))
                .addSubcommand(new BenchCommand(out, err, terminal))
                .addSubcommand(new TokenCommand(out, err, Clock.systemUTC()))
                .addSubcommand("generate-completion", new AutoComplete.GenerateCompletion());
        commandLine.setOut(outWriter);
        commandLine.setErr(errWriter);
        commandLine.setParameterExceptionHandler(Commands::usageError);
        return commandLine.execute(args);
    }

    /** The error, a suggestion where picocli has one, and one line of usage. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine command = ex.getCommandLine();
        PrintWriter err = command.getErr();
        boolean top = command.getParent() == null;
        String message = ex.getMessage();
        if (top && ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().getFirst();
            message = first.startsWith("-") ? "unknown option '" + first + "'" : "unknown command '" + first + "'";
        }
        err.println((top ? "" : command.getCommandName() + ": ") + message + suggestion(ex));
        err.print(top ? SHORT_USAGE + System.lineSeparator() : command.getHelp().synopsis(0));
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Picocli's nearest names, without the command path it puts before them. */
    private static String suggestion(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException unmatched) || unmatched.getSuggestions().isEmpty()) {
            return "";
        }
        String prefix = ex.getCommandLine().getCommandName() + " ";
        return unmatched.getSuggestions().stream()
                .map((name) -> name.startsWith(prefix) ? name.substring(prefix.length()) : name)
                .map((name) -> "'" + name + "'")
                .collect(java.util.stream.Collectors.joining(" or ", "; did you mean ", "?"));
    }

    private static Charset charset(PrintStream stream) {
        return stream.charset();
    }
}
