package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A management-interface client for the e2e tests: over a unix socket (path sockets work across
 * network namespaces) or over TCP inside a namespace through a {@link ManagementPipe} process. A reader
 * thread collects what the server sends; reads wait on it with a deadline. Everything sent and received
 * is kept in {@link #transcript()} ({@code "> command"}, {@code "< line"}). Used from the test thread.
 */
final class ManagementSession implements AutoCloseable {
    static final Duration LINE_TIMEOUT = Duration.ofSeconds(10);

    private final String label;
    private final InputStream in;
    private final OutputStream out;
    private final AutoCloseable resource;
    private final Thread reader;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private int consumed;
    private boolean eof;
    private final List<String> transcript = new ArrayList<>();

    private ManagementSession(String label, InputStream in, OutputStream out, AutoCloseable resource) {
        this.label = label;
        this.in = in;
        this.out = out;
        this.resource = resource;
        this.reader = new Thread(this::readLoop, "mgmt-session-" + label);
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects to a unix-socket management interface, retrying until it exists (the peer may be starting). */
    static ManagementSession unix(String label, Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
                return new ManagementSession(label, input(ch), output(ch), ch);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    fail(label + ": no management interface at " + socket + " within " + timeout.toSeconds() + " s: " + e);
                }
                Peer.pause();
            }
        }
    }

    /*
     * Direct stream adapters: on Java 17, Channels.newInputStream/newOutputStream lock the channel's
     * blockingLock, so a blocked read would stop every write from the test thread.
     */
    private static InputStream input(SocketChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return ch.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    private static OutputStream output(SocketChannel ch) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        };
    }

    /** Connects to a TCP management interface on {@code 127.0.0.1:port} inside {@code ns}, through a pipe process. */
    static ManagementSession tcpInNamespace(String label, Netns net, String ns, int port, Path dir, Duration timeout) {
        Path log = dir.resolve(label + "-pipe.log");
        Process p = net.startPiped(ns, log, List.of(E2eEnv.java().toString(), "-cp", E2eEnv.testClasses().toString(),
                ManagementPipe.class.getName(), "127.0.0.1", Integer.toString(port), Long.toString(timeout.toSeconds())));
        PeerLogs.register(label + " management pipe", log);
        return new ManagementSession(label, p.getInputStream(), p.getOutputStream(), () -> {
            p.getOutputStream().close();
            Proc.terminate(p.toHandle(), Duration.ofSeconds(5));
        });
    }

    String label() {
        return label;
    }

    List<String> transcript() {
        return transcript;
    }

    private void readLoop() {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (this) {
                    received.write(buf, 0, n);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // Closed.
        } finally {
            synchronized (this) {
                eof = true;
                notifyAll();
            }
        }
    }

    void send(String command) {
        transcript.add("> " + command);
        try {
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            fail(label + ": cannot send '" + command + "': " + e);
        }
    }

    /** The next CRLF-terminated line, without the CRLF. */
    String line() {
        return line(LINE_TIMEOUT);
    }

    synchronized String line(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] bytes = received.toByteArray();
            for (int i = consumed; i + 1 < bytes.length; i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                    String line = new String(bytes, consumed, i - consumed, StandardCharsets.UTF_8);
                    consumed = i + 2;
                    transcript.add("< " + line);
                    return line;
                }
            }
            if (eof) {
                fail(label + ": connection closed; unread: " + pendingText());
            }
            awaitData(deadline, "a line");
        }
    }

    /** Exactly {@code text} next, with no line end (OpenVPN's password prompt). */
    synchronized void expectRaw(String text) {
        long deadline = System.nanoTime() + LINE_TIMEOUT.toNanos();
        byte[] want = text.getBytes(StandardCharsets.UTF_8);
        while (received.size() - consumed < want.length) {
            if (eof) {
                fail(label + ": connection closed waiting for '" + text + "'; unread: " + pendingText());
            }
            awaitData(deadline, "'" + text + "'");
        }
        String got = new String(received.toByteArray(), consumed, want.length, StandardCharsets.UTF_8);
        assertEquals(text, got, label);
        consumed += want.length;
        transcript.add("< " + text + " (no line end)");
    }

    /** Lines up to and including {@code END}. */
    List<String> untilEnd() {
        return until(l -> l.equals("END"), LINE_TIMEOUT);
    }

    /** Lines up to and including the first one {@code last} accepts. */
    List<String> until(Predicate<String> last, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> lines = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail(label + ": timed out; got " + lines);
            }
            String l = line(Duration.ofNanos(left));
            lines.add(l);
            if (last.test(l)) {
                return lines;
            }
        }
    }

    /** Sends a command and returns its one-line answer. */
    String ask(String command) {
        send(command);
        return line();
    }

    /** Waits until the server closes the connection. */
    synchronized void awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof) {
            awaitData(deadline, "the server to close the connection");
        }
        transcript.add("< [closed]" + (pendingText().isEmpty() ? "" : " after: " + pendingText()));
    }

    private void awaitData(long deadline, String what) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            fail(label + ": timed out waiting for " + what + "; unread: " + pendingText());
        }
        try {
            wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    private String pendingText() {
        byte[] b = received.toByteArray();
        return new String(b, consumed, b.length - consumed, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            resource.close();
        } catch (Exception e) {
            // Best effort.
        }
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
