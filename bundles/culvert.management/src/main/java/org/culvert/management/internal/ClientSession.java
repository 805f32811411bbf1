package org.culvert.management.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One connected management client: its socket, its half-read line, its pending output and its own
 * settings ({@code state on}, {@code log on}, {@code bytecount n}, password state). Unlike OpenVPN,
 * which serves one client at a time, a tunnel may have several of these at once, each with its own
 * settings.
 *
 * <p>Input follows OpenVPN's {@code command_line_add}: only printable bytes (32 and up, except 127)
 * and LF are kept, so CR, NUL and other control bytes vanish and CRLF and LF lines read alike; a line
 * holds at most {@value #MAX_LINE} bytes.
 *
 * <p>Used on the management thread only. {@link #close()} is idempotent and never throws.
 */
final class ClientSession {
    /** OpenVPN's command-line buffer is 1024 bytes including the LF. */
    static final int MAX_LINE = 1023;
    /** A client that lets this much output pile up unread is dropped rather than let it grow without end. */
    static final int MAX_PENDING_OUTPUT = 4 << 20;

    /** Receives each complete line. */
    interface LineHandler {
        /**
         * @param line     the kept bytes, without the LF; valid only during the call
         * @param overlong true if the line was longer than {@link #MAX_LINE} and was cut off
         * @return false to stop reading further lines (the client asked to exit or was closed)
         */
        boolean line(ClientSession client, byte[] line, int length, boolean overlong);

        /** Called once after a read that completed at least one line (OpenVPN prompts again then). */
        void linesProcessed(ClientSession client);
    }

    private final SocketChannel channel;
    private final String peer;
    private final String source;
    private final long connectedNanos;
    private final TunnelEndpoint endpoint;
    private SelectionKey key;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private boolean lineOverlong;
    private final StringBuilder pendingText = new StringBuilder();
    private final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
    private long queuedBytes;
    private boolean closeAfterFlush;
    private boolean closed;
    // A client waiting out a password delay: its input stays unread (or held here) until then.
    private boolean paused;
    private long pausedUntilNanos;
    private boolean lineDeferred;
    private ByteBuffer held;

    // Per-client settings, OpenVPN's man_connection.
    boolean passwordVerified;
    int passwordTries;
    /** When this client's next password may be checked (nanoTime); set after a wrong one. */
    long nextPasswordNanos;
    boolean stateRealtime;
    boolean logRealtime;
    boolean echoRealtime;
    long bytecountIntervalNanos;
    /** While a {@code client-auth} block is read: its lines so far (null otherwise), and its ids. */
    java.util.List<String> clientAuthLines;
    long clientAuthCid;
    long clientAuthKid;
    boolean clientAuthOverflow;
    long nextBytecountNanos;

    /**
     * @param source what the password delay and the share of unauthenticated slots count by: the
     *               peer's IP address, or one name for every unix socket client
     */
    ClientSession(SocketChannel channel, String peer, String source, long connectedNanos, TunnelEndpoint endpoint) {
        this.channel = channel;
        this.peer = peer;
        this.source = source;
        this.connectedNanos = connectedNanos;
        this.endpoint = endpoint;
    }

    String source() {
        return source;
    }

    /** When the client connected (nanoTime), for the authentication timeout. */
    long connectedNanos() {
        return connectedNanos;
    }

    /**
     * Called by the line handler for the line it is handling: that line, and all input after it,
     * wait until {@link #resume} (after {@code untilNanos}); the handler then returns false.
     */
    void deferLine(long untilNanos) {
        paused = true;
        lineDeferred = true;
        pausedUntilNanos = untilNanos;
    }

    boolean isPaused() {
        return paused;
    }

    long pausedUntilNanos() {
        return pausedUntilNanos;
    }

    /** The tunnel's interface this client is connected to. */
    TunnelEndpoint endpoint() {
        return endpoint;
    }

    void attach(SelectionKey selectionKey) {
        this.key = selectionKey;
    }

    String peer() {
        return peer;
    }

    boolean isClosed() {
        return closed;
    }

    /** Queues one line, CRLF-terminated as all of OpenVPN's management output. */
    void send(String text) {
        if (!closed) {
            pendingText.append(text).append("\r\n");
        }
    }

    /** Queues text without a line end (OpenVPN's {@code ENTER PASSWORD:} prompt has none). */
    void sendRaw(String text) {
        if (!closed) {
            pendingText.append(text);
        }
    }

    /** Closes the connection once everything queued so far has been written. */
    void closeAfterFlush() {
        closeAfterFlush = true;
    }

    /**
     * Reads what the socket has and hands each complete line to {@code handler}.
     *
     * @return false when the client is gone (end of stream or an error): the caller closes it
     */
    boolean onReadable(ByteBuffer scratch, LineHandler handler) {
        if (paused) {
            return !closed; // Unread until resumed; the selector is not asked for reads meanwhile.
        }
        boolean any = false;
        try {
            while (!closed && !closeAfterFlush && !paused) {
                scratch.clear();
                int n = channel.read(scratch);
                if (n < 0) {
                    // The client shut its side: answer what it asked, then close.
                    closeAfterFlush = true;
                    break;
                }
                if (n == 0) {
                    break;
                }
                scratch.flip();
                any |= consume(scratch, handler);
                if (paused && scratch.hasRemaining()) {
                    // What came after the deferred line; scratch is shared, so it is copied.
                    held = ByteBuffer.allocate(scratch.remaining());
                    held.put(scratch).flip();
                }
            }
        } catch (IOException e) {
            return false;
        } finally {
            if (any && !closed) {
                handler.linesProcessed(this); // Prompts again after a wrong password, even with the next one waiting.
            }
        }
        return !closed;
    }

    /**
     * Ends a pause: hands the deferred line and the held input to {@code handler}, then reads again.
     *
     * @return false when the client must be closed
     */
    boolean resume(LineHandler handler) {
        if (!paused || closed) {
            return !closed;
        }
        paused = false;
        boolean any = false;
        if (lineDeferred) {
            lineDeferred = false;
            deliver(lineLength, lineOverlong, handler);
            any = !lineDeferred;
        }
        if (!paused && held != null) {
            any |= consume(held, handler);
            if (!held.hasRemaining()) {
                held = null;
            }
        }
        if (any && !closed) {
            handler.linesProcessed(this);
        }
        return !closed;
    }

    /** Splits {@code in} into lines for {@code handler}, until it runs out, a stop or a pause. */
    private boolean consume(ByteBuffer in, LineHandler handler) {
        boolean any = false;
        while (in.hasRemaining() && !closeAfterFlush && !closed && !paused) {
            byte b = in.get();
            if (b == '\n') {
                boolean goOn = deliver(lineLength, lineOverlong, handler);
                any |= !lineDeferred;
                if (!goOn) {
                    break;
                }
            } else if ((b & 0xff) >= 32 && b != 127) {
                if (lineLength < MAX_LINE) {
                    line[lineLength++] = b;
                } else {
                    lineOverlong = true;
                }
            }
        }
        return any;
    }

    private boolean deliver(int length, boolean overlong, LineHandler handler) {
        lineLength = 0;
        lineOverlong = false;
        boolean goOn = handler.line(this, line, length, overlong);
        if (paused && lineDeferred) {
            // The line stays in its buffer to be handled again on resume.
            lineLength = length;
            lineOverlong = overlong;
        }
        return goOn;
    }

    /**
     * Writes as much queued output as the socket takes, and asks for write readiness when some is
     * left.
     *
     * @return false if the client must be closed (write error, too much unread output, or a requested
     *         close whose output is now written)
     */
    boolean flush() {
        if (closed) {
            return false;
        }
        if (pendingText.length() > 0) {
            byte[] bytes = pendingText.toString().getBytes(StandardCharsets.UTF_8);
            pendingText.setLength(0);
            output.addLast(ByteBuffer.wrap(bytes));
            queuedBytes += bytes.length;
        }
        if (queuedBytes > MAX_PENDING_OUTPUT) {
            return false;
        }
        try {
            while (!output.isEmpty()) {
                ByteBuffer head = output.peekFirst();
                int n = channel.write(head);
                queuedBytes -= n;
                if (head.hasRemaining()) {
                    break;
                }
                output.removeFirst();
            }
        } catch (IOException e) {
            return false;
        }
        if (output.isEmpty() && closeAfterFlush) {
            return false;
        }
        if (key != null && key.isValid()) {
            int ops = SelectionKey.OP_READ | (output.isEmpty() ? 0 : SelectionKey.OP_WRITE);
            if (closeAfterFlush || paused) {
                ops &= ~SelectionKey.OP_READ;
            }
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }
        return true;
    }

    boolean hasPendingOutput() {
        return pendingText.length() > 0 || !output.isEmpty();
    }

    @Override
    public String toString() {
        return "management client " + peer;
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        pendingText.setLength(0);
        output.clear();
        if (held != null) {
            java.util.Arrays.fill(held.array(), (byte) 0); // May hold a password.
            held = null;
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Closing is best effort; the descriptor is released either way.
        }
    }
}
