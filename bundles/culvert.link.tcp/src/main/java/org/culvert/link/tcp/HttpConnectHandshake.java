package org.culvert.link.tcp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.ProxySpec;

/**
 * OpenVPN's {@code establish_http_proxy_passthru} (proxy.c) for the {@code none} and {@code basic}
 * methods: one {@code CONNECT host:port HTTP/1.x} with OpenVPN's headers (custom headers, {@code Host},
 * {@code User-Agent}, {@code Proxy-Authorization: Basic}), then the status line and the headers up
 * to the empty line. 200 opens the tunnel; 407 (or 401) is an authentication failure; anything else, garbage
 * or an oversized answer fails the attempt with the proxy's status line in the message. Under
 * {@code auto}/{@code auto-nct} the first CONNECT goes without credentials; a 407 is read to its end
 * for {@code Proxy-Authenticate: Basic} or {@code Digest}, and {@link #learned()} tells the socket to
 * connect again at once answering it (OpenVPN's {@code proxy_retry}). Reads one
 * byte at a time: an answer is short, and nothing of the OpenVPN stream behind it may be consumed.
 */
final class HttpConnectHandshake extends ProxyHandshake {
    /** Longest status or header line taken (OpenVPN reads lines into 512 bytes). */
    static final int MAX_LINE = 1024;
    /** Most header lines after the status line. */
    static final int MAX_HEADERS = 64;
    private static final Pattern STATUS = Pattern.compile("HTTP/\\d\\.\\d (\\d{3})(?: .*)?");

    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private String statusLine;
    private int headers;
    private boolean done;
    /** Credentials go with this CONNECT: {@code basic}, or {@code auto} after the proxy asked for Basic. */
    private final boolean sendBasic;
    /** A Digest challenge an earlier connection learnt ({@code auto}), answered by this CONNECT; or null. */
    private final Learned digest;
    /** Reading a 407's headers under auto/auto-nct for the method it asks for. */
    private boolean challenge;
    private Learned seen;
    private Learned learned;

    HttpConnectHandshake(ProxySpec proxy, String host, int port, Learned earlier) {
        super(proxy, host, port);
        boolean auto = proxy.httpAuth() == ProxySpec.HttpAuth.AUTO || proxy.httpAuth() == ProxySpec.HttpAuth.AUTO_NCT;
        sendBasic = proxy.httpAuth() == ProxySpec.HttpAuth.BASIC
                || (earlier != null && earlier.method() == Method.BASIC && proxy.httpAuth() == ProxySpec.HttpAuth.AUTO);
        digest = auto && earlier != null && earlier.method() == Method.DIGEST ? earlier : null;
        send(request());
    }

    /** The challenge the exchange failed on that the next connection answers ({@code auto}), or null. */
    @Override
    Learned learned() {
        return learned;
    }

    /**
     * The request. The headers go into a growing buffer; the credentials line is joined only into the
     * exact-size result, so no discarded copy of the buffer ever held it.
     */
    private byte[] request() {
        String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        ByteArrayOutputStream req = new ByteArrayOutputStream(512);
        line(req, "CONNECT " + authority + " HTTP/" + proxy.httpVersion());
        boolean hostSent = false;
        for (ProxySpec.Header h : proxy.headers()) {
            line(req, h.line());
            hostSent |= h.value() != null ? h.name().equalsIgnoreCase("Host") : h.name().toLowerCase(Locale.ROOT).startsWith("host:");
        }
        if (!hostSent) {
            line(req, "Host: " + host);
        }
        if (proxy.userAgent() != null) {
            line(req, "User-Agent: " + proxy.userAgent());
        }
        byte[] credentials = null;
        if (digest != null) {
            note("Attempting Digest Proxy-Authorization");
            char[] pass = proxy.password();
            // The challenge was checked for realm and nonce when it was learnt.
            credentials = HttpDigest.authorization(HttpDigest.parameters(digest.challenge()), proxy.username(), pass, authority);
            Arrays.fill(pass, '\0');
        } else if (sendBasic) {
            note("Attempting Basic Proxy-Authorization");
            byte[] b64 = basicCredentials();
            byte[] prefix = "Basic ".getBytes(StandardCharsets.US_ASCII);
            credentials = new byte[prefix.length + b64.length];
            System.arraycopy(prefix, 0, credentials, 0, prefix.length);
            System.arraycopy(b64, 0, credentials, prefix.length, b64.length);
            Arrays.fill(b64, (byte) 0);
        }
        byte[] head = req.toByteArray();
        byte[] name = "Proxy-Authorization: ".getBytes(StandardCharsets.US_ASCII);
        int authLength = credentials == null ? 0 : name.length + credentials.length + 2;
        byte[] out = new byte[head.length + authLength + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        int at = head.length;
        if (credentials != null) {
            System.arraycopy(name, 0, out, at, name.length);
            System.arraycopy(credentials, 0, out, at + name.length, credentials.length);
            Arrays.fill(credentials, (byte) 0);
            at += authLength;
            out[at - 2] = '\r';
            out[at - 1] = '\n';
        }
        out[at] = '\r';
        out[at + 1] = '\n';
        return out;
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private void line(ByteArrayOutputStream req, String text) {
        note("Send to HTTP proxy: '" + text + "'");
        req.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        req.writeBytes(CRLF);
    }

    /** base64 of {@code user:password}, built without a String of the password. */
    private byte[] basicCredentials() {
        char[] pass = proxy.password();
        char[] user = proxy.username().toCharArray();
        char[] joined = new char[user.length + 1 + pass.length];
        System.arraycopy(user, 0, joined, 0, user.length);
        joined[user.length] = ':';
        System.arraycopy(pass, 0, joined, user.length + 1, pass.length);
        Arrays.fill(pass, '\0');
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(joined));
        Arrays.fill(joined, '\0');
        byte[] raw = new byte[encoded.remaining()];
        encoded.get(raw);
        encoded.clear();
        while (encoded.hasRemaining()) {
            encoded.put((byte) 0);
        }
        try {
            return Base64.getEncoder().encode(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    @Override
    int wanted() {
        return done ? 0 : 1;
    }

    @Override
    boolean done() {
        return done;
    }

    @Override
    void received(byte[] b, int off, int len) throws LinkException {
        for (int i = off; i < off + len && !done; i++) {
            take(b[i]);
        }
    }

    private void take(byte c) throws LinkException {
        int v = c & 0xFF;
        if (v == '\n' && lineLength > 0 && line[lineLength - 1] == '\r') {
            lineEnded(lineLength - 1);
            lineLength = 0;
            return;
        }
        if ((v < 0x20 && v != '\r' && v != '\t') || v == 0x7F) {
            throw bad("sent a byte that is not text (0x" + String.format("%02x", v) + ")");
        }
        if (lineLength == MAX_LINE) {
            throw bad("sent a line longer than " + MAX_LINE + " bytes");
        }
        line[lineLength++] = c;
    }

    private void lineEnded(int length) throws LinkException {
        String text = printable(line, 0, length);
        if (statusLine == null) {
            statusLine = text;
            note("HTTP proxy returned: '" + text + "'");
            Matcher m = STATUS.matcher(new String(line, 0, length, StandardCharsets.ISO_8859_1));
            if (!m.matches()) {
                throw new LinkException(Reason.PROXY_FAILED, proxy + " returned bad status: '" + text + "' (not an HTTP status line)");
            }
            int status = Integer.parseInt(m.group(1));
            // 407 is the proxy's own refusal; some proxies (tinyproxy 1.11 on CONNECT) answer 401.
            if (status == 407 || status == 401) {
                note("Proxy requires authentication");
                if (!sendBasic && digest == null && proxy.httpAuth() != ProxySpec.HttpAuth.NONE
                        && proxy.httpAuth() != ProxySpec.HttpAuth.BASIC) {
                    challenge = true;
                    return;
                }
                throw new LinkException(Reason.PROXY_AUTH_FAILED, proxy.hasCredentials() && (sendBasic || digest != null)
                        ? proxy + " refused the credentials: '" + text + "'"
                        : proxy + " requires authentication: '" + text + "' (give a user/password file and 'basic')");
            }
            if (status != 200) {
                throw new LinkException(Reason.PROXY_FAILED, proxy + " returned bad status: '" + text + "'");
            }
            return;
        }
        if (length == 0) {
            if (challenge) {
                throw challengeRead();
            }
            done = true;
            return;
        }
        if (++headers > MAX_HEADERS) {
            throw bad("sent more than " + MAX_HEADERS + " header lines after '" + statusLine + "'");
        }
        String lower = text.toLowerCase(Locale.ROOT);
        // As get_proxy_authenticate: the first Basic or Digest challenge counts.
        if (challenge && seen == null && lower.startsWith("proxy-authenticate:")) {
            String value = text.substring("proxy-authenticate:".length()).trim();
            note("HTTP proxy authenticate '" + value + "'");
            String v = value.toLowerCase(Locale.ROOT);
            if (v.startsWith("basic")) {
                seen = new Learned(Method.BASIC, value);
            } else if (v.startsWith("digest ")) {
                seen = new Learned(Method.DIGEST, value);
            }
        }
    }

    /** The end of a 407 under auto/auto-nct: what the next connection does, as a failed attempt. */
    private LinkException challengeRead() {
        if (seen == null) {
            return new LinkException(Reason.PROXY_AUTH_FAILED, proxy + ": do not recognize the authentication method required by proxy ('"
                    + statusLine + "'; Culvert speaks Basic and Digest)");
        }
        if (seen.method() == Method.DIGEST) {
            Map<String, String> p = HttpDigest.parameters(seen.challenge());
            if (p.get("realm") == null || p.get("nonce") == null) {
                return new LinkException(Reason.PROXY_AUTH_FAILED, proxy + ": digest auth failed, malformed response from server:"
                        + " realm= or nonce= missing");
            }
            String algorithm = p.getOrDefault("algorithm", "MD5");
            if (!algorithm.equalsIgnoreCase("MD5") && !algorithm.equalsIgnoreCase("MD5-sess")) {
                return new LinkException(Reason.PROXY_AUTH_FAILED, proxy + ": digest algorithm '" + algorithm + "' is not supported (MD5, MD5-sess)");
            }
        } else if (proxy.httpAuth() == ProxySpec.HttpAuth.AUTO_NCT) {
            return new LinkException(Reason.PROXY_AUTH_FAILED, proxy
                    + ": support for basic auth and other cleartext proxy auth methods is disabled (auto-nct)");
        }
        if (!proxy.hasCredentials()) {
            return new LinkException(Reason.PROXY_AUTH_FAILED, proxy + " asks for Basic authentication: give the credentials with"
                    + " http-proxy-user-pass (Culvert does not prompt)");
        }
        learned = seen;
        return new LinkException(Reason.PROXY_AUTH_FAILED, proxy + " asks for " + (seen.method() == Method.BASIC ? "Basic" : "Digest")
                + " authentication: connecting again with it");
    }

    private LinkException bad(String what) {
        return new LinkException(Reason.PROXY_FAILED, proxy + " " + what + soFar());
    }

    @Override
    protected String soFar() {
        if (statusLine != null) {
            return " (status '" + statusLine + "')";
        }
        return lineLength == 0 ? " (nothing received)" : " (received '" + printable(line, 0, lineLength) + "')";
    }
}
