package org.culvert.link.tcp;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.ProxySpec;

/**
 * OpenVPN's {@code establish_socks_proxy_passthru} (socks.c): SOCKS5 (RFC 1928) with "no
 * authentication", or with RFC 1929 user/password when credentials are configured (then both
 * methods are offered, as OpenVPN does), then CONNECT to the remote by name (an IP literal goes as
 * an address). Each step reads exactly the answer's length, so nothing of the OpenVPN stream that
 * follows is consumed.
 */
final class Socks5Handshake extends ProxyHandshake {
    private static final int VERSION = 5;
    private static final int METHOD_NONE = 0;
    private static final int METHOD_USER_PASS = 2;
    private static final int NO_ACCEPTABLE = 0xFF;
    private static final String[] REPLIES = {"succeeded", "general SOCKS server failure", "connection not allowed by ruleset",
        "network unreachable", "host unreachable", "connection refused", "TTL expired", "command not supported",
        "address type not supported"};

    private enum Step { METHOD, AUTH, REPLY_HEAD, REPLY_REST, DONE }

    private Step step = Step.METHOD;
    private final byte[] answer = new byte[262];
    private int have;
    private int need = 2;

    Socks5Handshake(ProxySpec proxy, String host, int port) {
        super(proxy, host, port);
        send(proxy.hasCredentials() ? new byte[] {VERSION, 2, METHOD_NONE, METHOD_USER_PASS} : new byte[] {VERSION, 1, METHOD_NONE});
    }

    @Override
    int wanted() {
        return step == Step.DONE ? 0 : need - have;
    }

    @Override
    boolean done() {
        return step == Step.DONE;
    }

    @Override
    void received(byte[] b, int off, int len) throws LinkException {
        int take = Math.min(len, need - have);
        System.arraycopy(b, off, answer, have, take);
        have += take;
        if (have < need) {
            return;
        }
        switch (step) {
            case METHOD -> method();
            case AUTH -> authAnswer();
            case REPLY_HEAD -> replyHead();
            case REPLY_REST -> {
                step = Step.DONE;
                note("SOCKS proxy opened the connection to " + host + ":" + port);
            }
            default -> throw new IllegalStateException(step.name());
        }
    }

    private void expect(Step next, int total) {
        step = next;
        need = total;
    }

    private void restart(Step next, int total) {
        step = next;
        have = 0;
        need = total;
    }

    private void method() throws LinkException {
        if (answer[0] != VERSION) {
            throw new LinkException(Reason.PROXY_FAILED, proxy + " answered SOCKS version " + (answer[0] & 0xFF) + ", not 5 (received '"
                    + printable(answer, 0, 2) + "')");
        }
        int method = answer[1] & 0xFF;
        if (method == METHOD_NONE) {
            sendConnect();
        } else if (method == METHOD_USER_PASS && proxy.hasCredentials()) {
            note("SOCKS proxy wants us to authenticate");
            sendCredentials();
            restart(Step.AUTH, 2);
        } else if (method == NO_ACCEPTABLE || method == METHOD_USER_PASS) {
            throw new LinkException(Reason.PROXY_AUTH_FAILED, proxy + " accepts none of the offered methods ("
                    + (proxy.hasCredentials() ? "none, username/password" : "none; give a user/password file") + ")");
        } else {
            throw new LinkException(Reason.PROXY_FAILED, proxy + " chose method " + method + ", which was not offered");
        }
    }

    /** RFC 1929: 1, ulen, user, plen, password; the buffer is overwritten once sent. */
    private void sendCredentials() throws LinkException {
        byte[] user = proxy.username().getBytes(StandardCharsets.UTF_8);
        char[] pass = proxy.password();
        ByteBuffer p = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pass));
        Arrays.fill(pass, '\0');
        try {
            if (user.length == 0 || user.length > 255 || p.remaining() > 255) {
                throw new LinkException(Reason.PROXY_AUTH_FAILED, proxy + ": a SOCKS user name and password are 1-255 bytes each");
            }
            byte[] msg = new byte[3 + user.length + p.remaining()];
            msg[0] = 1;
            msg[1] = (byte) user.length;
            System.arraycopy(user, 0, msg, 2, user.length);
            msg[2 + user.length] = (byte) p.remaining();
            p.get(msg, 3 + user.length, p.remaining());
            send(msg);
        } finally {
            p.clear();
            while (p.hasRemaining()) {
                p.put((byte) 0);
            }
        }
    }

    private void authAnswer() throws LinkException {
        // RFC 1929 says version 1; OpenVPN checks only the status, and so do some proxies' clients.
        if (answer[1] != 0) {
            throw new LinkException(Reason.PROXY_AUTH_FAILED, proxy + " refused the user name and password (status "
                    + (answer[1] & 0xFF) + ")");
        }
        note("SOCKS proxy accepted the user name and password");
        sendConnect();
    }

    private void sendConnect() throws LinkException {
        ByteArrayOutputStream req = new ByteArrayOutputStream(262);
        req.write(VERSION);
        req.write(1); // CONNECT
        req.write(0);
        byte[] literal = literal(host);
        if (literal != null) {
            req.write(literal.length == 4 ? 1 : 4);
            req.writeBytes(literal);
        } else {
            byte[] name = host.getBytes(StandardCharsets.US_ASCII);
            if (name.length > 255) {
                throw new LinkException(Reason.PROXY_FAILED, proxy + ": the remote name '" + host + "' is longer than SOCKS allows (255)");
            }
            req.write(3);
            req.write(name.length);
            req.writeBytes(name);
        }
        req.write(port >> 8);
        req.write(port & 0xFF);
        note("Send to SOCKS proxy: CONNECT " + host + ":" + port);
        send(req.toByteArray());
        restart(Step.REPLY_HEAD, 5);
    }

    private static byte[] literal(String host) {
        if (!host.matches("[0-9.]+") && host.indexOf(':') < 0) {
            return null;
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            return a instanceof Inet4Address || a instanceof Inet6Address ? a.getAddress() : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Version, reply, reserved, address type and the first address byte (a name's length). */
    private void replyHead() throws LinkException {
        if (answer[0] != VERSION) {
            throw new LinkException(Reason.PROXY_FAILED, proxy + " answered the CONNECT with SOCKS version " + (answer[0] & 0xFF)
                    + ", not 5 (received '" + printable(answer, 0, have) + "')");
        }
        int rep = answer[1] & 0xFF;
        if (rep != 0) {
            String text = rep < REPLIES.length ? REPLIES[rep] : "unknown reply code";
            note("SOCKS proxy returned: " + text + " (" + rep + ")");
            throw new LinkException(Reason.PROXY_FAILED, proxy + " could not connect to " + host + ":" + port + ": " + text + " (" + rep + ")");
        }
        switch (answer[3] & 0xFF) {
            case 1 -> expect(Step.REPLY_REST, 4 + 4 + 2);
            case 4 -> expect(Step.REPLY_REST, 4 + 16 + 2);
            // The first address byte already read is the name's length.
            case 3 -> expect(Step.REPLY_REST, 5 + (answer[4] & 0xFF) + 2);
            default -> throw new LinkException(Reason.PROXY_FAILED, proxy + " answered the CONNECT with address type "
                    + (answer[3] & 0xFF) + " (received '" + printable(answer, 0, have) + "')");
        }
    }

    @Override
    protected String soFar() {
        return have == 0 ? " (nothing received)" : " (received '" + printable(answer, 0, have) + "')";
    }
}
