package io.switchboard.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import io.switchboard.client.Incoming;
import io.switchboard.client.IncomingListener;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.protocol.Wire;

/**
 * {@code client HOST:PORT}: an interactive client. It prints its ID, sends each input line
 * {@code <id> <text>} as one message, and prints what arrives as {@code <src>: <text>} and
 * ERRORs in words. It ends when its input ends (exit code 0) or the server closes the
 * connection (exit code 1).
 */
@Command(name = "client", header = "an interactive client", usageHelpWidth = 100, customSynopsis = "usage: java -jar switchboard.jar client HOST:PORT [--token JWT]", synopsisHeading = "",
        description = {
            "Connects to a Switchboard server and prints this client's ID.",
            "Each input line '<id> <text>' sends <text> (UTF-8) to client <id>.",
            "Incoming messages print as '<src>: <text>' ('operator' for the admin API, hex where the bytes",
            "are not UTF-8); undelivered ones as 'message <seq> to <id> not delivered: <reason>', <seq>",
            "counting your sends from 1. End of input (Ctrl-D) disconnects." },
        mixinStandardHelpOptions = true, versionProvider = BuildVersion.class)
public final class ChatCommand implements Callable<Integer> {

    private static final Pattern LINE = Pattern.compile("(\\d{1,10})(?: (.*))?");

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    @Parameters(paramLabel = "HOST:PORT", description = "the server's relay port, e.g. 127.0.0.1:7070",
            converter = HostPort.Converter.class)
    private HostPort server;

    @Mixin
    private TokenOption token = new TokenOption();

    @Mixin
    private TlsOptions tls = new TlsOptions();

    public ChatCommand(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        return run(this.server);
    }

    /** Runs against {@code address}; returns the exit code: 0 at the end of input, 1 when the connection ends. */
    public int run(HostPort address) {
        // One queue of events for the main loop: input lines, the end of input, the end of the connection.
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        SwitchboardClient client;
        try {
            client = ClientBuilders.to(address, this.token.token(), this.tls.clientTls()).listener(new IncomingListener() {
                @Override
                public void onIncoming(Incoming incoming) {
                    ChatCommand.this.out.println(format(incoming));
                }

                @Override
                public void onClosed(@Nullable IOException cause) {
                    events.add(new Event.ConnectionEnded(cause));
                }
            }).connect();
        }
        catch (IOException ex) {
            this.err.println("cannot connect to " + address + ": " + ConnectionErrors.describe(ex));
            return 1;
        }
        try (client) {
            this.out.println("connected to " + address + " as " + client.id() + (this.tls.enabled() ? " over TLS" : ""));
            this.out.println("send with '<id> <text>' (e.g. '" + client.id() + " hello' to yourself); end with Ctrl-D");
            Thread.ofVirtual().name("client-input").start(() -> readInput(events));
            while (true) {
                switch (events.take()) {
                    case Event.Line line -> send(client, line.text());
                    case Event.InputEnded ignored -> {
                        return 0;
                    }
                    case Event.ConnectionEnded ended -> {
                        this.err.println("connection closed by the server"
                                + ((ended.cause() == null) ? "" : " (" + ConnectionErrors.describe(ended.cause()) + ")"));
                        return 1;
                    }
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private void readInput(BlockingQueue<Event> events) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(this.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                events.add(new Event.Line(line));
            }
        }
        catch (IOException ex) {
            // input gone: same as its end
        }
        events.add(new Event.InputEnded());
    }

    private void send(SwitchboardClient client, String line) {
        if (line.isBlank()) {
            return;
        }
        Matcher m = LINE.matcher(line.strip());
        long dest = m.matches() ? Long.parseLong(m.group(1)) : -1;
        if (dest < 0 || dest > Wire.MAX_ID) {
            this.err.println("not sent: expected '<id> <text>' with an ID from 0 to " + Wire.MAX_ID + ", e.g. '8 hello'");
            return;
        }
        String text = (m.group(2) != null) ? m.group(2) : "";
        try {
            client.send(dest, text.getBytes(StandardCharsets.UTF_8));
        }
        catch (IOException ex) {
            this.err.println("not sent: " + ex.getMessage());
        }
    }

    /**
     * How an incoming frame is printed: {@code 7: hello}, {@code operator: hello} for the
     * operator, the bytes in hex where they are not UTF-8, and an ERROR in words.
     */
    public static String format(Incoming incoming) {
        return switch (incoming) {
            case SendError error -> error.describe();
            case Message message -> (message.fromOperator() ? "operator" : Long.toString(message.src())) + ": "
                    + message.text().map(ChatCommand::printable)
                        .orElseGet(() -> "[" + message.payload().length + " bytes, not UTF-8] "
                                + HexFormat.of().formatHex(message.payload()));
        };
    }

    /** Control characters would move the terminal's cursor: they are shown escaped. */
    private static String printable(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\t') {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    default -> sb.append(String.format("\\u%04x", (int) c));
                }
            }
            else if (sb != null) {
                sb.append(c);
            }
        }
        return (sb == null) ? text : sb.toString();
    }

    private sealed interface Event {
        record Line(String text) implements Event {
        }

        record InputEnded() implements Event {
        }

        record ConnectionEnded(@Nullable IOException cause) implements Event {
        }
    }
}
