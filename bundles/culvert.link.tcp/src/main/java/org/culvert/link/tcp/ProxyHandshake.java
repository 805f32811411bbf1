package org.culvert.link.tcp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.ProxySpec;

/**
 * The exchange with a proxy between the TCP connect and the OpenVPN stream, as a state machine
 * without I/O (so that any transport, blocking or not, can drive it): the driver sends
 * {@link #output()}, then reads at most {@link #wanted()} bytes and hands them to {@link #received},
 * until {@link #done()}. It never asks for more than the proxy's answer, so the first bytes of the
 * OpenVPN stream that may follow at once stay in the socket.
 *
 * <p>A bad answer is a {@link LinkException} ({@code PROXY_FAILED}, {@code PROXY_AUTH_FAILED}) whose
 * message shows the proxy's answer, made printable and cut short. Bytes holding credentials are
 * overwritten once sent ({@link #sent}) and by {@link #wipe()}.
 */
abstract class ProxyHandshake {
    /** Longest proxy text a note or message shows. */
    static final int SHOWN_MAX = 200;

    protected final ProxySpec proxy;
    protected final String host;
    protected final int port;
    private final List<String> notes = new ArrayList<>();
    private byte[] out = new byte[0];
    private int outPos;

    ProxyHandshake(ProxySpec proxy, String host, int port) {
        this.proxy = proxy;
        this.host = host;
        this.port = port;
    }

    /** An HTTP authentication method Culvert answers a 407 with under {@code auto}. */
    enum Method { BASIC, DIGEST }

    /** What a 407 asked for: the method and the whole challenge ({@code Proxy-Authenticate} value). */
    record Learned(Method method, String challenge) {
    }

    /** @param learned what an earlier connection's 407 asked for ({@code auto}), or null */
    static ProxyHandshake of(ProxySpec proxy, String host, int port, Learned learned) {
        return proxy.type() == ProxySpec.Type.HTTP ? new HttpConnectHandshake(proxy, host, port, learned)
                : new Socks5Handshake(proxy, host, port);
    }

    /** What the failed exchange learnt that the next connection must answer, at once; null if nothing. */
    Learned learned() {
        return null;
    }

    /** The bytes still to send; empty when the next step is to read. */
    final byte[] output() {
        return out;
    }

    final int outputOffset() {
        return outPos;
    }

    final boolean hasOutput() {
        return outPos < out.length;
    }

    /** Records that {@code n} more output bytes went out; wipes the output once all did. */
    final void sent(int n) {
        outPos += n;
        if (outPos >= out.length) {
            Arrays.fill(out, (byte) 0);
            out = new byte[0];
            outPos = 0;
        }
    }

    /** Queues {@code bytes} (taken over, and overwritten once sent). */
    protected final void send(byte[] bytes) {
        Arrays.fill(out, (byte) 0);
        out = bytes;
        outPos = 0;
    }

    /** How many bytes the next read may take: at least 1 until {@link #done()}. */
    abstract int wanted();

    /** Takes bytes read from the proxy (at most {@link #wanted()}). */
    abstract void received(byte[] b, int off, int len) throws LinkException;

    /** True once the proxy has opened the tunnel: the OpenVPN stream starts now. */
    abstract boolean done();

    /** The proxy closed the connection before the exchange ended. */
    LinkException closedEarly() {
        return new LinkException(Reason.PROXY_FAILED, proxy + " closed the connection during the exchange" + soFar());
    }

    /** What was received of the current answer, for messages; empty when nothing. */
    protected String soFar() {
        return "";
    }

    protected final void note(String line) {
        notes.add(line);
    }

    final void drainNotes(Consumer<String> sink) {
        for (String n : notes) {
            sink.accept(n);
        }
        notes.clear();
    }

    /** Overwrites pending output. Idempotent. */
    void wipe() {
        Arrays.fill(out, (byte) 0);
        out = new byte[0];
        outPos = 0;
    }

    /** {@code bytes} as printable ASCII (others as {@code \xNN}), at most {@value #SHOWN_MAX} characters. */
    static String printable(byte[] bytes, int off, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = off; i < off + len && s.length() < SHOWN_MAX; i++) {
            int c = bytes[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F) {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        if (s.length() >= SHOWN_MAX) {
            s.setLength(SHOWN_MAX);
            s.append("...");
        }
        return s.toString();
    }
}
