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

    // Per-client settings, OpenVPN's man_connection.
    boolean passwordVerified;
    int passwordTries;
    boolean stateRealtime;
    boolean logRealtime;
    boolean echoRealtime;
    long bytecountIntervalNanos;
    long nextBytecountNanos;

    ClientSession(SocketChannel channel, String peer, TunnelEndpoint endpoint) {
        this.channel = channel;
        this.peer = peer;
        this.endpoint = endpoint;
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
        boolean any = false;
        try {
            while (!closed && !closeAfterFlush) {
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
                while (scratch.hasRemaining() && !closeAfterFlush && !closed) {
                    byte b = scratch.get();
                    if (b == '\n') {
                        boolean overlong = lineOverlong;
                        int length = lineLength;
                        lineLength = 0;
                        lineOverlong = false;
                        any = true;
                        if (!handler.line(this, line, length, overlong)) {
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
            }
        } catch (IOException e) {
            return false;
        } finally {
            if (any && !closed) {
                handler.linesProcessed(this);
            }
        }
        return !closed;
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
            if (closeAfterFlush) {
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
