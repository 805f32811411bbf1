package org.culvert.management.internal;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.fuzz.FuzzRun;
import org.culvert.openvpn.config.LineTokenizer;
import org.culvert.testkit.ScriptedTunnel;
import org.junit.jupiter.api.AfterAll;

/**
 * Management command lines: what a connected client types, byte for byte, through the real input path
 * (a loopback socket, {@link ClientSession}'s line assembly, {@link TunnelEndpoint}, {@link CommandLineParser}
 * and {@link ManagementCommands} against a scripted tunnel, point-to-point or a server with clients
 * waiting for {@code client-auth}), and the tokenizer alone. Lines are built
 * from command names, quoted and escaped words, comments and control bytes, or are raw bytes.
 *
 * <p>Invariants: nothing throws; the tokenizer returns at most 16 words of at most 256 characters or
 * one of its typed reasons; quoting its words and tokenizing again gives the same words
 * (idempotence); every answer the client reads is whole CRLF-terminated lines of printable characters
 * and TABs (nothing the client sent can inject a control character or a line into the output).
 */
class ManagementLineFuzz {
    private static final FuzzRun RUN = new FuzzRun("management command lines (ClientSession, CommandLineParser, LineTokenizer, ManagementCommands)");
    private static final String[] WORDS = {"help", "version", "pid", "state", "status", "log", "echo", "hold", "signal",
        "bytecount", "verb", "mute", "exit", "quit", "on", "off", "all", "release", "SIGUSR1", "SIGHUP", "SIGTERM", "1", "2",
        "3", "kill", "client-kill", "username", "password", "client-auth", "client-auth-nt", "client-deny",
        "client-pending-auth", "nclients", "load-stats", "END", "0", "4294967296", "client1", "192.0.2.10:51234", ":", "-1", "\"", "'", "\\", "#", ";", " ", "\t", "\r", "\0", "\u00e9", "\u0007"};
    private static final SocketChannel SERVER_SIDE;
    private static final SocketChannel CLIENT_SIDE;
    private static final TunnelEndpoint ENDPOINT;
    private static final TunnelEndpoint SERVER_ENDPOINT;
    private static final org.culvert.testkit.server.FakeTunnelServer SERVER = new org.culvert.testkit.server.FakeTunnelServer();

    static {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CLIENT_SIDE = SocketChannel.open(listener.getLocalAddress());
            SERVER_SIDE = listener.accept();
            SERVER_SIDE.configureBlocking(false);
            CLIENT_SIDE.configureBlocking(false);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
        ManagementClock clock = new ManagementClock() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public Instant now() {
                return Instant.ofEpochSecond(1_700_000_000);
            }
        };
        TunnelOperations.Management settings = new TunnelOperations.Management("127.0.0.1", 0, null, null, false, 100);
        ScriptedTunnel tunnel = new ScriptedTunnel("fuzz", new TunnelOperations(settings, null, 4, 7));
        ManagementCommands commands = new ManagementCommands("Culvert fuzz", 1, clock, ZoneOffset.UTC);
        ENDPOINT = new TunnelEndpoint(tunnel, settings, commands, clock, System.getLogger("fuzz"));
        TunnelOperations.Management serverSettings = new TunnelOperations.Management("127.0.0.1", 0, null, null, false, 100, null,
                false, true);
        SERVER_ENDPOINT = new TunnelEndpoint(org.culvert.testkit.server.FakeTunnelServer.tunnel("fuzz-server",
                new TunnelOperations(serverSettings, null, 4, 7), SERVER), serverSettings, commands, clock, System.getLogger("fuzz"));
    }

    /** Two clients, one of them waiting for a verdict, afresh for each input. */
    private static void resetServer() {
        Instant since = Instant.ofEpochSecond(1_699_999_000);
        SERVER.put(org.culvert.testkit.server.FakeTunnelServer.client(0, "client1", "192.0.2.10", 51234, "10.8.0.2", 1, 2, since));
        SERVER.put(org.culvert.testkit.server.FakeTunnelServer.client(1, "client\u00e92", "2001:db8::1", 1194, "10.8.0.3", 3, 4, since));
        SERVER.await(1, 1);
        SERVER.clientKills.clear();
        SERVER.kills.clear();
        SERVER.verdicts.clear();
        SERVER.pendings.clear();
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void managementLines(FuzzedDataProvider in) throws Exception {
        RUN.run(in, ManagementLineFuzz::run);
    }

    private static void run(FuzzedDataProvider in) throws IOException {
        String line = in.consumeBoolean() ? build(in) : in.consumeString(1200);
        checkTokenizer(line);
        // The same text as the client's bytes: verified client, a fresh session per input.
        byte[] bytes = (line + (in.consumeBoolean() ? "\n" : "\r\n") + in.consumeString(40) + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        boolean server = in.consumeBoolean();
        if (server) {
            resetServer();
        }
        TunnelEndpoint endpoint = server ? SERVER_ENDPOINT : ENDPOINT;
        ClientSession client = new ClientSession(SERVER_SIDE, "fuzz", "fuzz", System.nanoTime(), endpoint);
        client.passwordVerified = true;
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
            CLIENT_SIDE.write(out);
        }
        ByteBuffer scratch = ByteBuffer.allocate(4096);
        check(client.onReadable(scratch, endpoint) || client.isClosed(), "onReadable");
        // What a command did not read (after exit/quit) must not leak into the next input.
        while (SERVER_SIDE.read(scratch.clear()) > 0) {
            // drained
        }
        ByteBuffer answer = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < 1000 && (i == 0 || client.hasPendingOutput()); i++) {
            client.flush();
            while (CLIENT_SIDE.read(answer) > 0 && answer.hasRemaining()) {
                // collected
            }
        }
        checkAnswer(answer.flip());
    }

    /** Words and separators from the command vocabulary, quotes, escapes and control bytes. */
    private static String build(FuzzedDataProvider in) {
        StringBuilder b = new StringBuilder();
        int n = in.consumeInt(0, 24);
        for (int i = 0; i < n; i++) {
            b.append(in.consumeBoolean() ? in.pickValue(WORDS) : in.consumeString(in.consumeInt(0, 300)));
            if (in.consumeBoolean()) {
                b.append(' ');
            }
        }
        return b.toString();
    }

    private static void checkTokenizer(String line) {
        List<String> words;
        try {
            words = LineTokenizer.tokenize(line, LineTokenizer.MAX_PARAMETERS);
        } catch (LineTokenizer.SyntaxError e) {
            check(e.reason() != null && e.words().size() <= LineTokenizer.MAX_PARAMETERS, "syntax error shape");
            CommandLineParser.Result r = CommandLineParser.parse(line);
            check(r.error != null || e.reason() == LineTokenizer.SyntaxError.Reason.TRAILING_BACKSLASH, "no error line for " + e.reason());
            return;
        }
        check(words.size() <= LineTokenizer.MAX_PARAMETERS, words.size() + " words");
        StringBuilder quoted = new StringBuilder();
        for (String w : words) {
            check(w.length() <= LineTokenizer.MAX_PARAMETER_LENGTH, "a word of " + w.length() + " characters");
            quoted.append('"').append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append("\" ");
        }
        List<String> again;
        try {
            again = LineTokenizer.tokenize(quoted.toString(), LineTokenizer.MAX_PARAMETERS);
        } catch (LineTokenizer.SyntaxError e) {
            throw new AssertionError("the quoted words do not tokenize: " + e.reason() + " for " + words, e);
        }
        check(again.equals(words), "quoting and tokenizing again changed " + words + " to " + again);
        check(CommandLineParser.parse(line).parameters.equals(words), "CommandLineParser disagrees with the tokenizer");
    }

    /** What the client received: whole CRLF lines of printable characters. */
    private static void checkAnswer(ByteBuffer answer) {
        byte[] bytes = new byte[answer.remaining()];
        answer.get(bytes);
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        check(text.isEmpty() || text.endsWith("\r\n"), "an answer not ending in CRLF");
        for (String l : text.split("\r\n", -1)) {
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                // TAB only separates status 3's fields.
                check((c >= 0x20 || c == '\t') && c != 0x7F, "the answer carries control character " + (int) c + " in: " + l);
            }
        }
    }

    @AfterAll
    static void report() throws IOException {
        RUN.report();
        CLIENT_SIDE.close();
        SERVER_SIDE.close();
    }
}
