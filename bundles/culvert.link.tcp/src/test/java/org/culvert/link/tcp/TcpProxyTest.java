package org.culvert.link.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.ProxySpec;
import org.culvert.api.packet.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tcp-client's HTTP CONNECT and SOCKS5 exchanges against in-process fake proxies on loopback:
 * good answers (the OpenVPN stream that follows the answer at once is not lost), and bad ones.
 */
class TcpProxyTest {
    private static final byte[] FRAME = {0, 3, 'o', 'v', 'p'};
    private static final String PASSWORD = "s3cr3t-pass";

    private final TcpLinkTransport transport = new TcpLinkTransport();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : resources) {
            c.close();
        }
    }

    /** What a fake proxy does with one connection: reads the request (returned), writes its answer. */
    interface Script {
        byte[] serve(InputStream in, OutputStream out) throws IOException;
    }

    /** A one-connection fake proxy; the future gives what the client sent. */
    private CompletableFuture<byte[]> fakeProxy(ServerSocket listener, Script script) {
        CompletableFuture<byte[]> request = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Socket s = listener.accept()) {
                s.setSoTimeout(10_000);
                request.complete(script.serve(s.getInputStream(), s.getOutputStream()));
                // Hold the connection until the client is done with it.
                s.getInputStream().read();
            } catch (IOException e) {
                request.completeExceptionally(e);
            }
        }, "fake-proxy");
        t.setDaemon(true);
        t.start();
        return request;
    }

    private ServerSocket listener() throws IOException {
        ServerSocket l = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        resources.add(l);
        return l;
    }

    private TcpClientSocket client(ProxySpec proxy, int connectTimeout) throws LinkException {
        LinkSpec spec = LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(AddressFamily.IPV4).bind(false)
                .remote("vpn.example.net", 1194).connectRetry(5, 5).connectTimeout(connectTimeout).proxy(proxy).build();
        TcpClientSocket c = (TcpClientSocket) transport.open(spec);
        resources.add(c);
        return c;
    }

    private static ProxySpec http(ServerSocket l) {
        return ProxySpec.builder(ProxySpec.Type.HTTP, "127.0.0.1", l.getLocalPort()).build();
    }

    private static ProxySpec basic(ServerSocket l) {
        return ProxySpec.builder(ProxySpec.Type.HTTP, "127.0.0.1", l.getLocalPort()).httpAuth(ProxySpec.HttpAuth.BASIC)
                .credentials("alice", PASSWORD.toCharArray()).userAgent("culvert-test").httpVersion("1.1")
                .header(new ProxySpec.Header("X-Corp", "egress")).build();
    }

    private static ProxySpec socks(ServerSocket l, boolean credentials) {
        ProxySpec.Builder b = ProxySpec.builder(ProxySpec.Type.SOCKS5, "127.0.0.1", l.getLocalPort());
        if (credentials) {
            b.credentials("alice", PASSWORD.toCharArray());
        }
        return b.build();
    }

    /** Reads an HTTP request up to its empty line. */
    private static byte[] readHttpRequest(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            got.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : c == '\r' ? 1 : 0;
        }
        return got.toByteArray();
    }

    private static Script httpAnswer(String answer) {
        return (in, out) -> {
            byte[] req = readHttpRequest(in);
            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return req;
        };
    }

    /** Establishes within 10 s or fails with the socket's exception. */
    private static void establish(TcpClientSocket c) throws LinkException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.establish(200)) {
            assertTrue(System.nanoTime() < deadline, "not established: " + c.lastFailure());
        }
    }

    /** Waits for the first failed attempt and returns why it failed. */
    private static LinkException firstFailure(TcpClientSocket c) throws LinkException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.lastFailure() == null) {
            assertFalse(c.establish(100), "established through a proxy that should have failed");
            assertTrue(System.nanoTime() < deadline, "no failure within 10 s");
        }
        return c.lastFailure();
    }

    private static List<String> notes(TcpClientSocket c) {
        List<String> notes = new ArrayList<>();
        c.drainNotes(notes::add);
        return notes;
    }

    private static void assertFirstFrame(TcpClientSocket c) throws IOException {
        PacketBatch batch = PacketBatch.allocate(2, 16, 2048);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        while ((n = c.receive(batch)) == 0) {
            assertTrue(System.nanoTime() < deadline, "the OpenVPN frame sent right behind the proxy's answer was lost");
            Thread.onSpinWait();
        }
        assertEquals(1, n);
        ByteBuffer slot = batch.slot(0);
        byte[] got = new byte[slot.remaining()];
        slot.get(got);
        assertArrayEquals(new byte[] {'o', 'v', 'p'}, got);
    }

    @Test
    void httpConnectWithoutAuthKeepsTheStreamBehindTheAnswer() throws Exception {
        ServerSocket l = listener();
        CompletableFuture<byte[]> req = fakeProxy(l, (in, out) -> {
            byte[] r = readHttpRequest(in);
            // The answer, its headers and the peer's first frame in one segment.
            out.write("HTTP/1.0 200 Connection established\r\nProxy-Agent: fake\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(FRAME);
            out.flush();
            return r;
        });
        TcpClientSocket c = client(http(l), 10);
        establish(c);
        assertEquals("CONNECT vpn.example.net:1194 HTTP/1.0\r\nHost: vpn.example.net\r\n\r\n",
                new String(req.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
        assertFirstFrame(c);
        List<String> notes = notes(c);
        assertTrue(notes.contains("Send to HTTP proxy: 'CONNECT vpn.example.net:1194 HTTP/1.0'"), notes.toString());
        assertTrue(notes.contains("HTTP proxy returned: 'HTTP/1.0 200 Connection established'"), notes.toString());
    }

    @Test
    void httpBasicSendsOpenVpnsHeadersAndNeverNotesTheCredentials() throws Exception {
        ServerSocket l = listener();
        CompletableFuture<byte[]> req = fakeProxy(l, httpAnswer("HTTP/1.1 200 OK\r\n\r\n"));
        TcpClientSocket c = client(basic(l), 10);
        establish(c);
        String expected = "CONNECT vpn.example.net:1194 HTTP/1.1\r\nX-Corp: egress\r\nHost: vpn.example.net\r\nUser-Agent: culvert-test\r\n"
                + "Proxy-Authorization: Basic " + Base64.getEncoder().encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8))
                + "\r\n\r\n";
        assertEquals(expected, new String(req.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
        String all = String.join("\n", notes(c));
        assertTrue(all.contains("Attempting Basic Proxy-Authorization"), all);
        assertFalse(all.contains(PASSWORD) || all.contains("Basic YWxp"), "credentials in the notes: " + all);
    }

    @Test
    void http407IsAnAuthFailureNamingTheProxysAnswer() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n"));
        TcpClientSocket c = client(basic(l), 10);
        LinkException e = firstFailure(c);
        assertEquals(Reason.PROXY_AUTH_FAILED, e.reason());
        assertTrue(e.getMessage().contains("'HTTP/1.0 407 Proxy Authentication Required'"), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD));
        assertTrue(notes(c).contains(e.getMessage()), "the failure is noted for the log");
    }

    @Test
    void http401AsTinyproxyAnswersAWrongPasswordIsAnAuthFailureToo() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("HTTP/1.0 401 Unauthorized\r\n\r\n"));
        LinkException e = firstFailure(client(basic(l), 10));
        assertEquals(Reason.PROXY_AUTH_FAILED, e.reason());
        assertTrue(e.getMessage().endsWith("refused the credentials: 'HTTP/1.0 401 Unauthorized'"), e.getMessage());
    }

    private static ProxySpec auto(ServerSocket l, ProxySpec.HttpAuth mode, boolean credentials) {
        ProxySpec.Builder b = ProxySpec.builder(ProxySpec.Type.HTTP, "127.0.0.1", l.getLocalPort()).httpAuth(mode);
        if (credentials) {
            b.credentials("alice", PASSWORD.toCharArray());
        }
        return b.build();
    }

    private static final String CHALLENGE = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
            + "Content-Length: 0\r\n\r\n";

    @Test
    void autoLearnsBasicFromThe407AndConnectsAgainAtOnceWithTheCredentials() throws Exception {
        ServerSocket l = listener();
        CompletableFuture<byte[]> first = fakeProxy(l, httpAnswer(CHALLENGE));
        TcpClientSocket c = client(auto(l, ProxySpec.HttpAuth.AUTO, true), 10);
        assertFalse(c.establish(1000), "the first CONNECT is answered 407");
        assertFalse(new String(first.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII).contains("Proxy-Authorization"),
                "auto sends no credentials before the proxy asks");
        CompletableFuture<byte[]> second = fakeProxy(l, httpAnswer("HTTP/1.1 200 OK\r\n\r\n"));
        long start = System.nanoTime();
        establish(c);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000, "no connect-retry pause (5 s here) before the second try");
        assertTrue(new String(second.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII).contains("Proxy-Authorization: Basic "
                + Base64.getEncoder().encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\r\n"));
        List<String> notes = notes(c);
        assertTrue(notes.contains("HTTP proxy authenticate 'Basic realm=\"corp\"'"), notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.endsWith("asks for Basic authentication: connecting again with it")), notes.toString());
    }

    private static String md5Hex(String s) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (byte b : d) {
            out.append(String.format("%02x", b));
        }
        return out.toString();
    }

    /** A proxy that checks an RFC 2617 answer (qop=auth) the way a Digest proxy computes it. */
    private static Script digestChecker(String realm, String nonce) {
        return (in, out) -> {
            byte[] req = readHttpRequest(in);
            String text = new String(req, StandardCharsets.US_ASCII);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Proxy-Authorization: Digest (.*)\r\n").matcher(text);
            boolean ok = false;
            if (m.find()) {
                java.util.Map<String, String> p = HttpDigest.parameters(m.group(1));
                try {
                    String ha1 = md5Hex("alice:" + realm + ":" + PASSWORD);
                    String ha2 = md5Hex("CONNECT:" + p.get("uri"));
                    String expected = md5Hex(ha1 + ":" + nonce + ":" + p.get("nc") + ":" + p.get("cnonce") + ":" + p.get("qop") + ":" + ha2);
                    ok = "alice".equals(p.get("username")) && realm.equals(p.get("realm")) && nonce.equals(p.get("nonce"))
                            && "vpn.example.net:1194".equals(p.get("uri")) && "auth".equals(p.get("qop")) && "op4que".equals(p.get("opaque"))
                            && expected.equals(p.get("response"));
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
            out.write((ok ? "HTTP/1.1 200 OK\r\n\r\n" : "HTTP/1.1 407 Bad digest\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return req;
        };
    }

    @Test
    void autoLearnsDigestAndAnswersItAsRfc2617() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm=\"corp\", "
                + "nonce=\"dcd98b7102dd2f0e\", qop=\"auth\", opaque=\"op4que\"\r\n\r\n"));
        TcpClientSocket c = client(auto(l, ProxySpec.HttpAuth.AUTO_NCT, true), 10);
        assertFalse(c.establish(1000), "the first CONNECT is answered 407");
        CompletableFuture<byte[]> second = fakeProxy(l, digestChecker("corp", "dcd98b7102dd2f0e"));
        establish(c);
        String sent = new String(second.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII);
        assertFalse(sent.contains(PASSWORD), "digest never sends the password");
        String all = String.join("\n", notes(c));
        assertTrue(all.contains("Attempting Digest Proxy-Authorization") && !all.contains("response="), all);
    }

    @Test
    void aDigestChallengeWithoutNonceOrWithAnUnknownAlgorithmFails() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm=\"corp\"\r\n\r\n"));
        LinkException e = firstFailure(client(auto(l, ProxySpec.HttpAuth.AUTO, true), 10));
        assertEquals(Reason.PROXY_AUTH_FAILED, e.reason());
        assertTrue(e.getMessage().contains("realm= or nonce= missing"), e.getMessage());

        ServerSocket l2 = listener();
        fakeProxy(l2, httpAnswer("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm=\"r\", nonce=\"n\", "
                + "algorithm=SHA-256\r\n\r\n"));
        LinkException e2 = firstFailure(client(auto(l2, ProxySpec.HttpAuth.AUTO, true), 10));
        assertTrue(e2.getMessage().contains("digest algorithm 'SHA-256' is not supported"), e2.getMessage());
    }

    @Test
    void digestParametersParseQuotedEscapedAndBareValues() {
        java.util.Map<String, String> p = HttpDigest.parameters("Digest realm=\"a, \\\"b\\\"\", nonce=abc, algorithm=MD5-sess ,qop=\"auth\"");
        assertEquals("a, \"b\"", p.get("realm"));
        assertEquals("abc", p.get("nonce"));
        assertEquals("MD5-sess", p.get("algorithm"));
        assertEquals("auth", p.get("qop"));
        // RFC 2617 section 3.5's example: HA1 of Mufasa / testrealm@host.com / "Circle Of Life".
        assertEquals("939e7578ed9e3c518a452acee763bce9", HttpDigest.ha1("MD5", "Mufasa", "testrealm@host.com", "Circle Of Life".toCharArray(), "n", "c"));
    }

    @Test
    void autoNctRefusesBasicAndAutoWithoutCredentialsOrAKnownMethodFails() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer(CHALLENGE));
        LinkException nct = firstFailure(client(auto(l, ProxySpec.HttpAuth.AUTO_NCT, true), 10));
        assertEquals(Reason.PROXY_AUTH_FAILED, nct.reason());
        assertTrue(nct.getMessage().contains("support for basic auth and other cleartext proxy auth methods is disabled"), nct.getMessage());

        ServerSocket l2 = listener();
        fakeProxy(l2, httpAnswer(CHALLENGE));
        LinkException none = firstFailure(client(auto(l2, ProxySpec.HttpAuth.AUTO, false), 10));
        assertTrue(none.getMessage().contains("give the credentials with http-proxy-user-pass"), none.getMessage());

        ServerSocket l3 = listener();
        fakeProxy(l3, httpAnswer("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\n\r\n"));
        LinkException negotiate = firstFailure(client(auto(l3, ProxySpec.HttpAuth.AUTO, true), 10));
        assertEquals(Reason.PROXY_AUTH_FAILED, negotiate.reason());
        assertTrue(negotiate.getMessage().contains("do not recognize the authentication method required by proxy"), negotiate.getMessage());
    }

    @Test
    void httpStatusOtherThan200FailsWithTheStatusLine() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("HTTP/1.1 403 Forbidden\r\n\r\n"));
        LinkException e = firstFailure(client(http(l), 10));
        assertEquals(Reason.PROXY_FAILED, e.reason());
        assertTrue(e.getMessage().contains("bad status: 'HTTP/1.1 403 Forbidden'"), e.getMessage());
    }

    @Test
    void httpGarbageFails() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("SSH-2.0-OpenSSH_9.2\r\n"));
        LinkException e = firstFailure(client(http(l), 10));
        assertEquals(Reason.PROXY_FAILED, e.reason());
        assertTrue(e.getMessage().contains("'SSH-2.0-OpenSSH_9.2' (not an HTTP status line)"), e.getMessage());
    }

    @Test
    void httpBinaryBytesFailWithoutWaitingForALineEnd() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, (in, out) -> {
            byte[] r = readHttpRequest(in);
            out.write(new byte[] {'H', 'T', 0, 1, 2});
            out.flush();
            return r;
        });
        LinkException e = firstFailure(client(http(l), 10));
        assertEquals(Reason.PROXY_FAILED, e.reason());
        assertTrue(e.getMessage().contains("not text (0x00)") && e.getMessage().contains("received 'HT'"), e.getMessage());
    }

    @Test
    void httpTruncatedAnswerFailsWhenTheProxyCloses() throws Exception {
        ServerSocket l = listener();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Socket s = l.accept()) {
                readHttpRequest(s.getInputStream());
                s.getOutputStream().write("HTTP/1.0 200 Conn".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (IOException e) {
                closed.completeExceptionally(e);
            }
            closed.complete(null);
        });
        t.setDaemon(true);
        t.start();
        LinkException e = firstFailure(client(http(l), 10));
        assertEquals(Reason.PROXY_FAILED, e.reason());
        assertTrue(e.getMessage().contains("closed the connection during the exchange (received 'HTTP/1.0 200 Conn')"), e.getMessage());
    }

    @Test
    void httpOversizedLineAndTooManyHeadersFail() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, httpAnswer("HTTP/1.0 200 " + "x".repeat(HttpConnectHandshake.MAX_LINE) + "\r\n\r\n"));
        LinkException e = firstFailure(client(http(l), 10));
        assertEquals(Reason.PROXY_FAILED, e.reason());
        assertTrue(e.getMessage().contains("longer than 1024 bytes"), e.getMessage());
        assertTrue(e.getMessage().length() < 400, "the message shows the answer cut short: " + e.getMessage().length());

        ServerSocket l2 = listener();
        fakeProxy(l2, httpAnswer("HTTP/1.0 200 OK\r\n" + "X-A: b\r\n".repeat(HttpConnectHandshake.MAX_HEADERS + 1) + "\r\n"));
        LinkException e2 = firstFailure(client(http(l2), 10));
        assertEquals(Reason.PROXY_FAILED, e2.reason());
        assertTrue(e2.getMessage().contains("more than 64 header lines"), e2.getMessage());
    }

    @Test
    void aSilentProxyTimesOutWithinTheConnectTimeout() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, (in, out) -> readHttpRequest(in));
        long start = System.nanoTime();
        LinkException e = firstFailure(client(http(l), 1));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Reason.TIMEOUT, e.reason());
        assertTrue(e.getMessage().contains("within 1 s (nothing received)"), e.getMessage());
        assertTrue(took >= 900 && took < 5000, "timed out after " + took + " ms");
    }

    @Test
    void closeDuringTheExchangeEndsEstablishWithClosed() throws Exception {
        ServerSocket l = listener();
        CompletableFuture<byte[]> req = fakeProxy(l, (in, out) -> readHttpRequest(in));
        TcpClientSocket c = client(http(l), 30);
        CompletableFuture<LinkException> outcome = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                c.establish(20_000);
                outcome.complete(null);
            } catch (LinkException e) {
                outcome.complete(e);
            }
        });
        t.start();
        req.get(5, TimeUnit.SECONDS);
        c.close();
        LinkException e = outcome.get(5, TimeUnit.SECONDS);
        assertNotNull(e, "establish returned normally after close()");
        assertEquals(Reason.CLOSED, e.reason(), e.getMessage());
    }

    /** A SOCKS5 server: reads the greeting and, if asked, the RFC 1929 sub-negotiation, then CONNECT. */
    private static Script socksServer(int method, int authStatus, byte[] connectReply, boolean thenFrame) {
        return (in, out) -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] head = in.readNBytes(2);
            got.writeBytes(head);
            got.writeBytes(in.readNBytes(head[1]));
            out.write(new byte[] {5, (byte) method});
            out.flush();
            if (method == 0xFF || (method != 0 && method != 2)) {
                return got.toByteArray();
            }
            if (method == 2) {
                byte[] v = in.readNBytes(2);
                byte[] user = in.readNBytes(v[1]);
                int plen = in.read();
                byte[] pass = in.readNBytes(plen);
                got.writeBytes(v);
                got.writeBytes(user);
                got.write(plen);
                got.writeBytes(pass);
                out.write(new byte[] {1, (byte) authStatus});
                out.flush();
                if (authStatus != 0) {
                    return got.toByteArray();
                }
            }
            byte[] req = in.readNBytes(5);
            got.writeBytes(req);
            got.writeBytes(in.readNBytes((req[3] == 3 ? req[4] & 0xFF : req[3] == 1 ? 3 : 15) + 2));
            out.write(connectReply);
            if (thenFrame) {
                out.write(FRAME);
            }
            out.flush();
            return got.toByteArray();
        };
    }

    private static final byte[] SUCCESS_V4 = {5, 0, 0, 1, 10, 0, 0, 1, 0x04, (byte) 0xAA};

    @Test
    void socks5WithoutAuthConnectsByNameAndKeepsTheStream() throws Exception {
        ServerSocket l = listener();
        // A reply with a domain-name bound address: its length is read from the answer.
        byte[] reply = {5, 0, 0, 3, 4, 'h', 'o', 's', 't', 0x04, (byte) 0xAA};
        CompletableFuture<byte[]> req = fakeProxy(l, socksServer(0, 0, reply, true));
        TcpClientSocket c = client(socks(l, false), 10);
        establish(c);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {5, 1, 0});
        expected.writeBytes(new byte[] {5, 1, 0, 3, 15});
        expected.writeBytes("vpn.example.net".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] {0x04, (byte) 0xAA});
        assertArrayEquals(expected.toByteArray(), req.get(5, TimeUnit.SECONDS));
        assertFirstFrame(c);
    }

    @Test
    void socks5UserPassIsRfc1929() throws Exception {
        ServerSocket l = listener();
        CompletableFuture<byte[]> req = fakeProxy(l, socksServer(2, 0, SUCCESS_V4, true));
        TcpClientSocket c = client(socks(l, true), 10);
        establish(c);
        byte[] got = req.get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[] {5, 2, 0, 2}, java.util.Arrays.copyOf(got, 4), "offers none and username/password, as OpenVPN");
        byte[] auth = java.util.Arrays.copyOfRange(got, 4, 4 + 3 + 5 + PASSWORD.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {1, 5});
        expected.writeBytes("alice".getBytes(StandardCharsets.US_ASCII));
        expected.write(PASSWORD.length());
        expected.writeBytes(PASSWORD.getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected.toByteArray(), auth);
        assertFirstFrame(c);
        assertFalse(String.join("\n", notes(c)).contains(PASSWORD));
    }

    @Test
    void socks5AuthRefused() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, socksServer(2, 1, SUCCESS_V4, false));
        LinkException e = firstFailure(client(socks(l, true), 10));
        assertEquals(Reason.PROXY_AUTH_FAILED, e.reason());
        assertTrue(e.getMessage().contains("refused the user name and password (status 1)"), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD));
    }

    @Test
    void socks5NoAcceptableMethod() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, socksServer(0xFF, 0, SUCCESS_V4, false));
        LinkException e = firstFailure(client(socks(l, false), 10));
        assertEquals(Reason.PROXY_AUTH_FAILED, e.reason());
        assertTrue(e.getMessage().contains("accepts none of the offered methods"), e.getMessage());
    }

    @Test
    void socks5WrongVersionAndFailureCodesAndBadAddressType() throws Exception {
        ServerSocket l = listener();
        fakeProxy(l, (in, out) -> {
            byte[] r = in.readNBytes(3);
            out.write(new byte[] {4, 0});
            out.flush();
            return r;
        });
        LinkException e = firstFailure(client(socks(l, false), 10));
        assertEquals(Reason.PROXY_FAILED, e.reason());
        assertTrue(e.getMessage().contains("SOCKS version 4, not 5"), e.getMessage());

        ServerSocket l2 = listener();
        fakeProxy(l2, socksServer(0, 0, new byte[] {5, 5, 0, 1, 0, 0, 0, 0, 0, 0}, false));
        LinkException e2 = firstFailure(client(socks(l2, false), 10));
        assertEquals(Reason.PROXY_FAILED, e2.reason());
        assertTrue(e2.getMessage().contains("could not connect to vpn.example.net:1194: connection refused (5)"), e2.getMessage());

        ServerSocket l3 = listener();
        fakeProxy(l3, socksServer(0, 0, new byte[] {5, 0, 0, 9, 0, 0, 0, 0, 0, 0}, false));
        LinkException e3 = firstFailure(client(socks(l3, false), 10));
        assertEquals(Reason.PROXY_FAILED, e3.reason());
        assertTrue(e3.getMessage().contains("address type 9"), e3.getMessage());
    }

    @Test
    void aProxyWithTcpServerIsRefused() {
        LinkSpec spec = LinkSpec.builder(LinkProtocol.TCP_SERVER).family(AddressFamily.IPV4).local("127.0.0.1", 0)
                .proxy(ProxySpec.builder(ProxySpec.Type.HTTP, "127.0.0.1", 3128).build()).build();
        LinkException e = assertThrows(LinkException.class, () -> transport.open(spec));
        assertEquals(Reason.UNSUPPORTED, e.reason());
    }

    @Test
    void theSpecNeverShowsCredentialsAndWipes() {
        ProxySpec p = ProxySpec.builder(ProxySpec.Type.HTTP, "proxy.corp", 3128).httpAuth(ProxySpec.HttpAuth.BASIC)
                .credentials("alice", PASSWORD.toCharArray()).build();
        LinkSpec spec = LinkSpec.builder(LinkProtocol.TCP_CLIENT).remote("vpn", 1194).proxy(p).build();
        assertEquals("HTTP proxy proxy.corp:3128", p.toString());
        assertFalse(spec.toString().contains("alice") || spec.toString().contains(PASSWORD), spec.toString());
        assertNotNull(p.password());
        p.wipe();
        assertArrayEquals(new char[PASSWORD.length()], p.password());
    }
}
