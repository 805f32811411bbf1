package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.crypto.StaticKeyDataChannel;
import org.culvert.openvpn.crypto.Verdict;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Talks to the stock {@code openvpn} binary (2.6) over loopback UDP, with {@code --dev null} so that
 * neither root nor a tun device is needed: its pings and OCC reply must open and match what we
 * expect, and our packets must open on its side (no decryption errors, and our OCC_EXIT makes it
 * restart), and its OCC_REQUEST (sent 10 s after it starts) must get a reply it agrees with.
 * Skipped where openvpn is not installed.
 */
class OpenVpnInteropTest {
    /** OpenVPN sends its first OCC_REQUEST 10 s after start; allow for that and a slow machine. */
    private static final long DEADLINE_MILLIS = 20_000;

    @TempDir
    Path dir;

    @Test
    void stockOpenVpnUnderstandsUsAndWeUnderstandIt() throws Exception {
        String openvpn = findOpenVpn();
        Assumptions.assumeTrue(openvpn != null, "openvpn is not installed");
        StringBuilder key = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        byte[] material = new byte[256];
        new SecureRandom().nextBytes(material);
        for (int i = 0; i < 256; i++) {
            key.append(String.format("%02x", material[i] & 0xFF)).append(i % 16 == 15 ? "\n" : "");
        }
        Files.writeString(dir.resolve("static.key"), key.append("-----END OpenVPN Static key V1-----\n").toString());
        Path log = dir.resolve("openvpn.log");

        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int theirPort = freeUdpPort();
            int ourPort = socket.getLocalPort();
            Process peer = new ProcessBuilder(openvpn, "--dev", "null", "--proto", "udp", "--local", "127.0.0.1",
                    "--lport", String.valueOf(theirPort), "--remote", "127.0.0.1", String.valueOf(ourPort),
                    "--secret", dir.resolve("static.key").toString(), "1", "--cipher", "AES-256-CBC", "--auth", "SHA256",
                    "--ping", "1", "--verb", "7", "--disable-dco")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                exchange(socket, theirPort, log);
            } finally {
                peer.destroy();
                if (!peer.waitFor(5, TimeUnit.SECONDS)) {
                    peer.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private void exchange(DatagramSocket socket, int theirPort, Path log) throws Exception {
        ManualClock clock = new ManualClock(System.currentTimeMillis() / 1000);
        OpenVpnOptions options = ConfigParser.parse("dev tun\nproto udp\nremote 127.0.0.1 " + theirPort
                + "\nsecret static.key 0\ncipher AES-256-CBC\nauth SHA256\nping 1\nexplicit-exit-notify 2\n", "ours.conf", dir);
        StaticKeySession session = new StaticKeySession(options, new StaticKeyDataChannel(options.secret(),
                options.keyDirection(), options.cipher(), options.auth(), options.replayWindow(), clock, new SecureRandom()), clock);
        InetSocketAddress them = new InetSocketAddress(InetAddress.getLoopbackAddress(), theirPort);
        ByteBuffer out = ByteBuffer.allocate(2048);
        byte[] in = new byte[2048];
        socket.setSoTimeout(100);
        int pingsFromThem = 0;
        boolean occReply = false;
        boolean occRequestAnswered = false;
        long start = System.currentTimeMillis();
        // Our OCC_REQUEST is due 10 s into the session; our clock gets there at once.
        clock.advanceSeconds(10);
        while (System.currentTimeMillis() - start < DEADLINE_MILLIS && (pingsFromThem < 2 || !occReply || !occRequestAnswered)) {
            session.checkTimers();
            while (session.pollOutgoing(out, 128)) {
                socket.send(new DatagramPacket(out.array(), out.position(), out.remaining(), them));
            }
            try {
                DatagramPacket p = new DatagramPacket(in, 128, in.length - 128);
                socket.receive(p);
                ByteBuffer b = ByteBuffer.wrap(in, 0, 128 + p.getLength()).position(128);
                Incoming kind = session.decapsulate(b);
                assertTrue(kind == Incoming.CONSUMED, kind + " " + session.lastVerdict());
                if (b.remaining() == 16) {
                    pingsFromThem++;
                } else if (b.remaining() == 17 && b.get(b.position() + 16) == 0) {
                    // An OCC_REQUEST: pollOutgoing answers it at the top of the loop.
                    occRequestAnswered = true;
                } else {
                    occReply |= !session.occRequestingForTest();
                }
            } catch (SocketTimeoutException e) {
                clock.advanceMillis(100);
            }
        }
        assertTrue(pingsFromThem >= 2, "pings from openvpn opened: " + pingsFromThem);
        assertTrue(occReply, "openvpn answered our OCC_REQUEST");
        assertTrue(occRequestAnswered, "openvpn asked for our options");
        assertEquals("peer options differ: 'dev-type' is used inconsistently, local='dev-type tun', remote='dev-type null'",
                session.lastOccMismatch(), "everything but the device type (null there) matches, link-mtu included");

        String logged = "";
        long waitStart = System.currentTimeMillis();
        while (System.currentTimeMillis() - waitStart < 5_000 && !logged.contains("is used inconsistently")) {
            while (session.pollOutgoing(out, 128)) {
                socket.send(new DatagramPacket(out.array(), out.position(), out.remaining(), them));
            }
            waitBriefly(socket, in);
            logged = Files.readString(log);
        }

        assertTrue(session.beginExitNotify() > 0);
        long exitStart = System.currentTimeMillis();
        String text = "";
        while (System.currentTimeMillis() - exitStart < 5_000 && !text.contains("remote-exit")) {
            session.checkTimers();
            while (session.pollOutgoing(out, 128)) {
                socket.send(new DatagramPacket(out.array(), out.position(), out.remaining(), them));
            }
            text = Files.readString(log);
            clock.advanceMillis(50);
            waitBriefly(socket, in);
        }
        assertTrue(text.contains("remote-exit"), "openvpn restarted on our OCC_EXIT:\n" + tail(text));
        assertFalse(text.contains("Authenticate/Decrypt packet error"), "openvpn opened all our packets:\n" + tail(text));
        List<String> occWarnings = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.contains("WARNING: '")) {
                occWarnings.add(line.substring(line.indexOf("WARNING")));
            }
        }
        assertEquals(List.of("WARNING: 'dev-type' is used inconsistently, local='dev-type null', remote='dev-type tun'"),
                occWarnings, "openvpn's view of our OCC string");
        assertEquals(Verdict.OK, session.lastVerdict());
    }

    /** Lets time pass without Thread.sleep: a short receive that discards whatever comes. */
    private static void waitBriefly(DatagramSocket socket, byte[] buffer) throws Exception {
        try {
            socket.receive(new DatagramPacket(buffer, buffer.length));
        } catch (SocketTimeoutException e) {
            // the wait is the point
        }
    }

    private static String tail(String text) {
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    private static String findOpenVpn() {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            File f = new File(d, "openvpn");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
