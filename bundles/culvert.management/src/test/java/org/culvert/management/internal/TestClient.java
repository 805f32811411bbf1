package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A management client for tests, over TCP or a unix socket. Reads wait on a selector until a
 * deadline, never on a sleep. Lines are returned without their CRLF; the test thread only.
 */
final class TestClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final SocketChannel channel;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final ByteBuffer buf = ByteBuffer.allocate(8192);
    private boolean eof;

    private final Selector selector;

    private TestClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    static TestClient connect(SocketAddress address) throws IOException {
        SocketChannel ch = address instanceof UnixDomainSocketAddress ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        ch.connect(address);
        return new TestClient(ch);
    }

    /** Connects and reads the greeting line. */
    static TestClient connectAndGreet(SocketAddress address) throws IOException {
        TestClient c = connect(address);
        assertEquals(TunnelEndpoint.WELCOME, c.line());
        return c;
    }

    void send(String text) throws IOException {
        sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (b.hasRemaining()) {
            if (channel.write(b) == 0 && System.nanoTime() > deadline) {
                fail("could not send within " + TIMEOUT);
            }
        }
    }

    /** Sends a command and returns its one-line answer. */
    String ask(String command) throws IOException {
        send(command + "\n");
        return line();
    }

    /** The next line, failing after {@link #TIMEOUT}. */
    String line() throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            byte[] bytes = pending.toByteArray();
            for (int i = 0; i + 1 < bytes.length; i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                    String line = new String(bytes, 0, i, StandardCharsets.UTF_8);
                    pending.reset();
                    pending.write(bytes, i + 2, bytes.length - i - 2);
                    return line;
                }
            }
            if (eof) {
                fail("connection closed; unread: " + new String(bytes, StandardCharsets.UTF_8));
            }
            if (System.nanoTime() > deadline) {
                fail("no complete line within " + TIMEOUT + "; unread: " + new String(bytes, StandardCharsets.UTF_8));
            }
            poll();
        }
    }

    /** Lines up to and including "END". */
    List<String> untilEnd() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            lines.add(l);
            if (l.equals("END")) {
                return lines;
            }
        }
    }

    /** Exactly {@code text} (no line end expected), e.g. the password prompt. */
    void expectRaw(String text) throws IOException {
        byte[] want = text.getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (pending.size() < want.length) {
            if (eof || System.nanoTime() > deadline) {
                fail("expected '" + text + "', got '" + pending.toString(StandardCharsets.UTF_8) + "'" + (eof ? " and EOF" : ""));
            }
            poll();
        }
        byte[] bytes = pending.toByteArray();
        assertEquals(text, new String(bytes, 0, want.length, StandardCharsets.UTF_8));
        pending.reset();
        pending.write(bytes, want.length, bytes.length - want.length);
    }

    /** Waits until the server closes the connection; returns what it sent before. */
    String awaitClosed() throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!eof) {
            if (System.nanoTime() > deadline) {
                fail("server did not close within " + TIMEOUT + "; unread: " + pending.toString(StandardCharsets.UTF_8));
            }
            poll();
        }
        return pending.toString(StandardCharsets.UTF_8);
    }

    /**
     * Asserts that nothing arrives within {@code window}: for answers that must not come while the
     * test's manual clock stands still (so no wait would make them come).
     */
    void assertNothingWithin(Duration window) throws IOException {
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline && !eof && pending.size() == 0) {
            poll();
        }
        assertEquals("", pending.toString(StandardCharsets.UTF_8), "unexpected output");
        assertFalse(eof, "closed unexpectedly");
    }

    /** Asserts that nothing is pending now: the caller first makes a round trip that proves the server is done. */
    void assertNothingPending() {
        assertEquals("", pending.toString(StandardCharsets.UTF_8), "unexpected output");
    }

    private void poll() throws IOException {
        buf.clear();
        int n;
        try {
            n = channel.read(buf);
        } catch (IOException e) {
            eof = true; // Reset by the server.
            return;
        }
        if (n < 0) {
            eof = true;
        } else if (n > 0) {
            pending.write(buf.array(), 0, n);
        } else {
            // Wait (briefly) for the server to send more; the callers' deadlines decide when to give up.
            selector.select(50);
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
