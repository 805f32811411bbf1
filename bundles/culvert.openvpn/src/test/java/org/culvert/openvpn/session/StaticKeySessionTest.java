package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.Hex;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.crypto.StaticKeyDataChannel;
import org.culvert.openvpn.crypto.Verdict;
import org.junit.jupiter.api.Test;

class StaticKeySessionTest {
    private static final int HEADROOM = 128;
    private static final byte[] PING = Hex.bytes("2a187bf3641eb4cb07ed2d0a981fc748");
    private static final byte[] OCC_MAGIC = Hex.bytes("287f346bd4ef7a812d56b8d3afc5459c");

    private final ManualClock clock = new ManualClock(1_800_000_000L);
    private long seed = 1;

    /** One side of the tunnel. */
    private final class Peer {
        final OpenVpnOptions options;
        final StaticKeySession session;

        Peer(String direction, String extra) throws Exception {
            options = SessionFixtures.options(direction, extra);
            session = new StaticKeySession(options, channel(options), clock);
        }

        /** encapsulate a tun packet; returns the wire bytes, or null if not OK. */
        byte[] send(byte[] tunPacket) {
            ByteBuffer b = slot(tunPacket);
            return session.encapsulate(b) == Verdict.OK ? bytes(b) : null;
        }

        /** Everything pollOutgoing has to send right now. */
        List<byte[]> drain() {
            List<byte[]> out = new ArrayList<>();
            ByteBuffer b = ByteBuffer.allocateDirect(2048);
            while (session.pollOutgoing(b, HEADROOM)) {
                out.add(bytes(b));
                assertTrue(out.size() < 20, "pollOutgoing must run dry");
            }
            return out;
        }

        Incoming receive(byte[] wire) {
            return receive(wire, null);
        }

        Incoming receive(byte[] wire, List<byte[]> tunOut) {
            ByteBuffer b = slot(wire);
            Incoming in = session.decapsulate(b);
            if (in == Incoming.TUN_PACKET && tunOut != null) {
                tunOut.add(bytes(b));
            }
            return in;
        }
    }

    private StaticKeyDataChannel channel(OpenVpnOptions o) {
        return new StaticKeyDataChannel(o.secret(), o.keyDirection(), o.cipher(), o.auth(), o.replayWindow(), clock,
                new DeterministicRandom(seed++));
    }

    /** A bare data channel for the given peer's receiving side: opens what the other peer sent, framing and all. */
    private byte[] rawOpen(Peer receiver, byte[] wire) {
        StaticKeyDataChannel raw = channel(receiver.options);
        ByteBuffer b = slot(wire);
        assertEquals(Verdict.OK, raw.open(b));
        return bytes(b);
    }

    private static ByteBuffer slot(byte[] content) {
        ByteBuffer b = ByteBuffer.allocateDirect(HEADROOM + content.length + 64);
        b.position(HEADROOM);
        b.put(content);
        b.limit(HEADROOM + content.length).position(HEADROOM);
        return b;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** An IPv4/UDP packet with a correct total length (the MSS clamp leaves it alone). */
    private static byte[] udpPacket(int length, long id) {
        byte[] p = new byte[Math.max(length, 28)];
        new DeterministicRandom(id).nextBytes(p);
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
        p[3] = (byte) p.length;
        p[6] = 0;
        p[7] = 0;
        p[9] = 17;
        return p;
    }

    /** What each packet carries, as seen by {@code receiver}: ping, occ-request, occ-reply, occ-exit or data. */
    private List<String> kinds(Peer receiver, List<byte[]> wires) {
        List<String> out = new ArrayList<>();
        for (byte[] w : wires) {
            byte[] p = rawOpen(receiver, w);
            if (Arrays.equals(p, PING)) {
                out.add("ping");
            } else if (startsWith(p, OCC_MAGIC) && p.length > 16) {
                out.add(p[16] == 0 ? "occ-request" : p[16] == 1 ? "occ-reply" : p[16] == 6 ? "occ-exit" : "occ-" + p[16]);
            } else {
                out.add("data");
            }
        }
        return out;
    }

    /** Lets a's and b's OCC exchange complete at the current time (both send requests, both reply). */
    private void completeOcc(Peer a, Peer b) {
        for (int round = 0; round < 3; round++) {
            a.session.checkTimers();
            b.session.checkTimers();
            a.drain().forEach(b::receive);
            b.drain().forEach(a::receive);
        }
        assertFalse(a.session.occRequestingForTest());
        assertFalse(b.session.occRequestingForTest());
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(Arrays.copyOf(b, prefix.length), prefix);
    }

    // ------------------------------------------------------------------ ping

    @Test
    void pingGoesOutAtOnceAndThenAfterPingSecondsOfSilence() throws Exception {
        Peer a = new Peer("0", "ping 10");
        Peer b = new Peer("1", "");
        List<byte[]> first = a.drain();
        assertEquals(List.of("ping"), kinds(b, first), "the first ping is due immediately, as in OpenVPN");
        assertEquals(Incoming.CONSUMED, b.receive(first.get(0)));
        clock.advanceMillis(9_999);
        assertEquals(List.of(), a.drain());
        clock.advanceMillis(1);
        List<byte[]> request = a.drain();
        assertEquals(List.of("occ-request"), kinds(b, request), "OCC is due at 10 s too; sending it restarts the ping timer");
        request.forEach(b::receive);
        completeOcc(a, b);
        assertEquals(20_000, a.session.nextTimerMillis());
        clock.advanceSeconds(10);
        assertEquals(List.of("ping"), kinds(b, a.drain()));
        clock.advanceSeconds(2);
        assertTrue(a.send(udpPacket(100, 1)) != null);
        assertEquals(32_000, a.session.nextTimerMillis(), "any packet sent restarts the ping timer");
        clock.advanceSeconds(9);
        assertEquals(List.of(), a.drain());
        clock.advanceSeconds(1);
        assertEquals(List.of("ping"), kinds(b, a.drain()));
    }

    @Test
    void pingRestartFiresAfterSilenceAndOnlyAuthenticPacketsPostponeIt() throws Exception {
        Peer a = new Peer("0", "");
        Peer b = new Peer("1", "ping-restart 30");
        clock.advanceSeconds(10);
        completeOcc(a, b);
        assertEquals(40_000, b.session.nextTimerMillis(), "the OCC reply at 10 s was life");
        clock.advanceSeconds(20);
        byte[] wire = a.send(udpPacket(60, 2));
        byte[] forged = wire.clone();
        forged[forged.length - 1] ^= 1;
        assertEquals(Incoming.DROP, b.receive(forged));
        assertEquals(Verdict.AUTH_FAILED, b.session.lastVerdict());
        clock.advanceMillis(9_999);
        assertEquals(TimerEvent.NONE, b.session.checkTimers());
        clock.advanceMillis(1);
        assertEquals(TimerEvent.PING_RESTART, b.session.checkTimers(), "a forged packet did not count");
        assertEquals(TimerEvent.NONE, b.session.checkTimers(), "reported once per period");
        clock.advanceSeconds(10);
        assertEquals(Incoming.TUN_PACKET, b.receive(a.send(udpPacket(60, 3))));
        clock.advanceSeconds(29);
        assertEquals(TimerEvent.NONE, b.session.checkTimers());
        clock.advanceSeconds(1);
        assertEquals(TimerEvent.PING_RESTART, b.session.checkTimers());
    }

    @Test
    void pingExitAndKeepalive() throws Exception {
        Peer exiting = new Peer("1", "ping-exit 15");
        clock.advanceSeconds(15);
        assertEquals(TimerEvent.PING_EXIT, exiting.session.checkTimers());

        Peer a = new Peer("0", "keepalive 10 60");
        Peer b = new Peer("1", "keepalive 10 60");
        for (int second = 0; second < 300; second++) {
            for (byte[] w : a.drain()) {
                b.receive(w);
            }
            for (byte[] w : b.drain()) {
                a.receive(w);
            }
            assertEquals(TimerEvent.NONE, a.session.checkTimers(), "pings keep an idle tunnel alive, t=" + second);
            assertEquals(TimerEvent.NONE, b.session.checkTimers());
            clock.advanceSeconds(1);
        }
    }

    @Test
    void inactivityCountsTrafficButNotPings() throws Exception {
        Peer a = new Peer("0", "inactive 60;ping 10");
        Peer b = new Peer("1", "ping 10");
        for (int second = 0; second < 59; second++) {
            a.drain().forEach(b::receive);
            b.drain().forEach(a::receive);
            clock.advanceSeconds(1);
        }
        assertEquals(TimerEvent.NONE, a.session.checkTimers());
        assertEquals(Incoming.TUN_PACKET, a.receive(b.send(udpPacket(80, 4))), "traffic resets it");
        clock.advanceSeconds(59);
        assertEquals(TimerEvent.NONE, a.session.checkTimers());
        clock.advanceSeconds(1);
        assertEquals(TimerEvent.INACTIVE, a.session.checkTimers());
    }

    // ------------------------------------------------------------------ OCC

    @Test
    void occRequestAndReplyAreExchangedAndCompared() throws Exception {
        Peer a = new Peer("0", "ifconfig 10.8.0.1 10.8.0.2");
        Peer b = new Peer("1", "ifconfig 10.8.0.2 10.8.0.1");
        assertEquals(a.session.localOptionsString(), b.session.expectedRemoteOptionsString());
        assertEquals(List.of(), a.drain(), "no ping configured, OCC not due yet");
        assertEquals(10_000, a.session.nextTimerMillis());
        clock.advanceSeconds(10);
        assertEquals(TimerEvent.NONE, a.session.checkTimers());
        List<byte[]> request = a.drain();
        assertEquals(1, request.size());
        byte[] plain = rawOpen(b, request.get(0));
        assertArrayEquals(Hex.bytes("287f346bd4ef7a812d56b8d3afc5459c00"), plain, "magic + OCC_REQUEST");
        assertEquals(Incoming.CONSUMED, b.receive(request.get(0)));
        assertEquals(clock.monotonicMillis(), b.session.nextTimerMillis(), "a reply is due at once");
        List<byte[]> fromB = b.drain();
        assertEquals(List.of("occ-reply", "occ-request"), kinds(a, fromB), "b answers first, then asks itself");
        List<byte[]> reply = fromB.subList(0, 1);
        byte[] replyPlain = rawOpen(a, reply.get(0));
        assertEquals(1, replyPlain[16], "OCC_REPLY");
        assertEquals(b.session.localOptionsString() + "\0", new String(replyPlain, 17, replyPlain.length - 17));
        assertEquals(Incoming.CONSUMED, a.receive(reply.get(0)));
        assertNull(a.session.lastOccMismatch());
        assertFalse(a.session.occRequestingForTest());
        clock.advanceSeconds(10);
        assertEquals(List.of(), a.drain(), "no more requests after a reply");
    }

    @Test
    void occMismatchIsReported() throws Exception {
        Peer a = new Peer("0", "");
        Peer b = new Peer("1", "tun-mtu 1400;mssfix 1300");
        clock.advanceSeconds(10);
        a.drain().forEach(b::receive);
        b.drain().forEach(w -> {
            if (startsWith(rawOpen(a, w), OCC_MAGIC)) {
                a.receive(w);
            }
        });
        String mismatch = a.session.lastOccMismatch();
        assertTrue(mismatch != null && mismatch.contains("'tun-mtu' is used inconsistently, local='tun-mtu 1500', remote='tun-mtu 1400'")
                && mismatch.contains("'link-mtu'"), String.valueOf(mismatch));
    }

    @Test
    void occGivesUpAfterElevenRequests() throws Exception {
        Peer a = new Peer("0", "");
        int requests = 0;
        for (int second = 0; second <= 200; second++) {
            a.session.checkTimers();
            requests += a.drain().size();
            clock.advanceSeconds(1);
        }
        assertEquals(11, requests, "OpenVPN: every 10 s, 12 tries, the 12th gives up");
        assertFalse(a.session.occRequestingForTest());
        assertEquals(Long.MAX_VALUE, a.session.nextTimerMillis(), "nothing left to time");
    }

    // ------------------------------------------------------------------ exit notification

    @Test
    void explicitExitNotifySendsOccExitOncePerSecond() throws Exception {
        Peer a = new Peer("0", "explicit-exit-notify 3");
        Peer b = new Peer("1", "");
        assertEquals(3_000, a.session.beginExitNotify());
        List<byte[]> sent = new ArrayList<>();
        for (int tenth = 0; tenth < 50; tenth++) {
            a.session.checkTimers();
            sent.addAll(a.drain());
            clock.advanceMillis(100);
        }
        assertEquals(List.of("occ-exit", "occ-exit", "occ-exit"), kinds(b, sent), "at 0, 1 and 2 seconds");
        for (byte[] w : sent) {
            assertArrayEquals(Hex.bytes("287f346bd4ef7a812d56b8d3afc5459c06"), rawOpen(b, w));
            assertEquals(Incoming.PEER_EXIT, b.receive(w));
        }
        assertEquals(0, a.session.beginExitNotify(), "the period is over, and a second call does not restart it");
        assertEquals(List.of(), a.drain());
        assertEquals(0, new Peer("0", "").session.beginExitNotify(), "not configured");
        assertEquals(0, new Peer("0", "proto tcp-server;explicit-exit-notify 3").session.beginExitNotify(), "TCP");
    }

    // ------------------------------------------------------------------ compression framing

    @Test
    void compressionFramingOnTheWireAndBack() throws Exception {
        byte[] starts50 = udpPacket(40, 5);
        starts50[0] = 0x50;
        byte[] oneByte = {0x45};
        String[][] modes = {{"", ""}, {"comp-lzo no", "fa"}, {"compress stub", "fb"}, {"compress stub-v2", ""}};
        for (String[] mode : modes) {
            Peer a = new Peer("0", mode[0]);
            Peer b = new Peer("1", mode[0]);
            for (byte[] packet : new byte[][] {udpPacket(100, 6), starts50, oneByte}) {
                byte[] wire = a.send(packet);
                byte[] framed = rawOpen(b, wire);
                byte[] expected;
                switch (mode[0]) {
                    case "comp-lzo no":
                        expected = concat(Hex.bytes("fa"), packet);
                        break;
                    case "compress stub":
                        expected = concat(concat(Hex.bytes("fb"), Arrays.copyOfRange(packet, 1, packet.length)), new byte[] {packet[0]});
                        break;
                    case "compress stub-v2":
                        expected = packet[0] == 0x50 ? concat(Hex.bytes("5000"), packet) : packet;
                        break;
                    default:
                        expected = packet;
                }
                assertEquals(Hex.string(expected), Hex.string(framed), mode[0] + " on the wire");
                List<byte[]> tun = new ArrayList<>();
                assertEquals(Incoming.TUN_PACKET, b.receive(wire, tun), mode[0]);
                assertArrayEquals(packet, tun.get(0), mode[0] + " back");
            }
        }
    }

    /**
     * A real algorithm: what Culvert sends is the "not compressed" framing (as OpenVPN with
     * allow-compression asym); what the peer compressed comes out decompressed; a bomb is dropped.
     */
    @Test
    void compressedPayloadsAreDecompressedAndNothingIsCompressedOnSend() throws Exception {
        net.jpountz.lz4.LZ4Compressor lz4 = net.jpountz.lz4.LZ4Factory.safeInstance().fastCompressor();
        byte[] packet = udpPacket(1000, 0);
        String[][] modes = {{"comp-lzo yes", "fa"}, {"compress lz4", "fb"}, {"compress lz4-v2", ""}};
        for (String[] mode : modes) {
            Peer a = new Peer("0", mode[0]);
            Peer b = new Peer("1", mode[0]);
            byte[] framed = rawOpen(b, a.send(packet));
            assertEquals(packet.length + mode[1].length() / 2, framed.length, mode[0] + ": sent uncompressed");
            if (!mode[1].isEmpty()) {
                assertEquals(mode[1], Hex.string(Arrays.copyOf(framed, 1)), mode[0] + " marker");
            }
            byte[] compressed = mode[0].equals("comp-lzo yes") ? null : lz4.compress(packet);
            if (compressed == null) {
                continue; // LZO: DecompressorTest has liblzo2's vectors
            }
            byte[] payload = mode[0].equals("compress lz4")
                    ? concat(concat(Hex.bytes("69"), Arrays.copyOfRange(compressed, 1, compressed.length)),
                            new byte[] {compressed[0]})
                    : concat(Hex.bytes("5001"), compressed);
            StaticKeyDataChannel sender = channel(a.options);
            ByteBuffer wire = ByteBuffer.allocateDirect(HEADROOM + 2048);
            wire.position(HEADROOM);
            wire.put(payload).flip().position(HEADROOM);
            assertEquals(Verdict.OK, sender.seal(wire));
            ByteBuffer in = ByteBuffer.allocateDirect(HEADROOM + 2048);
            in.put(wire).flip();
            assertEquals(Incoming.TUN_PACKET, b.session.decapsulate(in), mode[0]);
            assertArrayEquals(packet, bytes(in), mode[0] + " decompressed");
        }
    }

    @Test
    void badFramingBytesAreDropped() throws Exception {
        for (String[] pair : new String[][] {{"comp-lzo no", "compress stub"}, {"compress stub", "comp-lzo no"},
                {"", "comp-lzo no"}, {"compress stub-v2", "compress stub"}}) {
            Peer sender = new Peer("0", pair[0]);
            Peer receiver = new Peer("1", pair[1] + ";ping-restart 30");
            byte[] packet = udpPacket(64, 7);
            if (pair[0].equals("compress stub-v2")) {
                packet[0] = 0x50;
            }
            clock.advanceSeconds(29);
            assertEquals(Incoming.DROP, receiver.receive(sender.send(packet)), pair[0] + " -> " + pair[1]);
            assertEquals(Verdict.BAD_COMPRESSION, receiver.session.lastVerdict());
            clock.advanceSeconds(1);
            assertEquals(TimerEvent.PING_RESTART, receiver.session.checkTimers(), "a badly framed packet is not life");
        }
        Peer v2 = new Peer("1", "compress stub-v2");
        Peer raw = new Peer("0", "");
        assertEquals(Incoming.DROP, v2.receive(raw.send(Hex.bytes("5001aabb"))), "0x50 must be followed by 0x00");
        assertEquals(Verdict.BAD_COMPRESSION, v2.session.lastVerdict());
    }

    @Test
    void emptyAuthenticPayloadIsConsumedWithoutCountingAsLife() throws Exception {
        Peer a = new Peer("0", "");
        Peer b = new Peer("1", "ping-restart 10");
        StaticKeyDataChannel rawSender = channel(a.options);
        ByteBuffer empty = slot(new byte[0]);
        assertEquals(Verdict.OK, rawSender.seal(empty));
        clock.advanceSeconds(9);
        assertEquals(Incoming.CONSUMED, b.receive(bytes(empty)));
        clock.advanceSeconds(1);
        assertEquals(TimerEvent.PING_RESTART, b.session.checkTimers());
        assertEquals(Verdict.SHORT_PACKET, a.session.encapsulate(slot(new byte[0])), "an empty tun read sends nothing");
    }

    // ------------------------------------------------------------------ MSS

    @Test
    void mssIsClampedInBothDirections() throws Exception {
        Peer a = new Peer("0", "remote 10.201.0.2");
        Peer b = new Peer("1", "remote 10.201.0.1;mssfix 0");
        assertEquals(1359, a.session.mssFix(), "the perf-anchor configuration, as OpenVPN 2.6.14 clamps it");
        assertEquals(0, b.session.mssFix());
        byte[] syn = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        List<byte[]> atB = new ArrayList<>();
        b.receive(a.send(syn), atB);
        assertEquals(1359, Packets.mss(atB.get(0), 0), "clamped on the way out");
        assertTrue(Packets.tcpChecksumValid(atB.get(0), 0));
        List<byte[]> atA = new ArrayList<>();
        a.receive(b.send(syn), atA);
        assertEquals(1359, Packets.mss(atA.get(0), 0), "clamped on the way in");
        a.session.setLinkIpv6(true);
        assertEquals(1343, a.session.mssFix());
        byte[] syn6 = Packets.ipv6(Packets.tcp(0x02, Packets.synOptions(1440), 0));
        List<byte[]> atB6 = new ArrayList<>();
        b.receive(a.send(syn6), atB6);
        assertEquals(1323, Packets.mss(atB6.get(0), 0));
    }

    // ------------------------------------------------------------------ a lossy wire

    /** Drops 1/16, duplicates 1/32, corrupts 1/32 and reorders 1/8 of the packets (openvpn3's gremlin mix). */
    private static final class LossyWire {
        private final DeterministicRandom random;
        private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        private final byte[] dice = new byte[4];
        int corrupted;

        LossyWire(long seed) {
            random = new DeterministicRandom(seed);
        }

        void send(byte[] packet) {
            random.nextBytes(dice);
            int roll = dice[0] & 0xFF;
            if (roll < 16) {
                return;
            }
            byte[] p = packet.clone();
            if (roll < 24) {
                p[(dice[1] & 0xFF) % p.length] ^= (byte) (1 | dice[2]);
                corrupted++;
            }
            if (roll >= 24 && roll < 32) {
                queue.add(p.clone());
            }
            if ((dice[3] & 7) == 0 && !queue.isEmpty()) {
                queue.addFirst(p);
            } else {
                queue.add(p);
            }
        }

        List<byte[]> takeAll() {
            List<byte[]> out = new ArrayList<>(queue);
            queue.clear();
            return out;
        }
    }

    @Test
    void thousandsOfPacketsOverALossyWire() throws Exception {
        Peer a = new Peer("0", "keepalive 10 60;ifconfig 10.8.0.1 10.8.0.2;comp-lzo no");
        Peer b = new Peer("1", "keepalive 10 60;ifconfig 10.8.0.2 10.8.0.1;comp-lzo no");
        LossyWire aToB = new LossyWire(11);
        LossyWire bToA = new LossyWire(12);
        Set<String> sentByA = new HashSet<>();
        Set<String> sentByB = new HashSet<>();
        int deliveredToB = 0;
        int deliveredToA = 0;
        int sent = 0;
        for (int step = 0; step < 6000; step++) {
            if (step % 50 < 40) {
                byte[] pa = udpPacket(28 + (step * 37) % 1372, step);
                byte[] pb = udpPacket(28 + (step * 53) % 1372, -step - 1);
                sentByA.add(Hex.string(pa));
                sentByB.add(Hex.string(pb));
                aToB.send(a.send(pa));
                bToA.send(b.send(pb));
                sent++;
            }
            a.drain().forEach(aToB::send);
            b.drain().forEach(bToA::send);
            for (byte[] w : aToB.takeAll()) {
                List<byte[]> tun = new ArrayList<>();
                Incoming in = b.receive(w, tun);
                assertTrue(in != Incoming.PEER_EXIT);
                if (in == Incoming.TUN_PACKET) {
                    assertTrue(sentByA.contains(Hex.string(tun.get(0))), "only genuine packets reach the tun");
                    deliveredToB++;
                }
            }
            for (byte[] w : bToA.takeAll()) {
                List<byte[]> tun = new ArrayList<>();
                if (a.receive(w, tun) == Incoming.TUN_PACKET) {
                    assertTrue(sentByB.contains(Hex.string(tun.get(0))), "only genuine packets reach the tun");
                    deliveredToA++;
                }
            }
            assertEquals(TimerEvent.NONE, a.session.checkTimers(), "step " + step);
            assertEquals(TimerEvent.NONE, b.session.checkTimers(), "step " + step);
            clock.advanceMillis(100);
        }
        assertTrue(sent > 4000);
        assertTrue(aToB.corrupted > 50 && bToA.corrupted > 50, "the wire did corrupt packets");
        assertTrue(deliveredToB > sent * 0.85 && deliveredToB < sent, "delivered " + deliveredToB + " of " + sent);
        assertTrue(deliveredToA > sent * 0.85 && deliveredToA < sent, "delivered " + deliveredToA + " of " + sent);
        assertFalse(a.session.occRequestingForTest(), "OCC completed despite the losses");
        assertFalse(b.session.occRequestingForTest());
        assertNull(a.session.lastOccMismatch());
        assertNull(b.session.lastOccMismatch());
    }

    // ------------------------------------------------------------------ contract details

    @Test
    void headroomTailroomAndSlotChecks() throws Exception {
        Peer plain = new Peer("0", "");
        assertEquals(32 + 16 + 8, plain.session.headroom());
        assertEquals(16, plain.session.tailroom());
        assertEquals(32 + 16 + 8 + 1, new Peer("0", "comp-lzo no").session.headroom());
        assertEquals(32 + 16 + 8 + 2, new Peer("0", "compress stub-v2").session.headroom());
        assertEquals(17, new Peer("0", "compress stub").session.tailroom());
        assertThrows(IllegalArgumentException.class, () -> plain.session.pollOutgoing(ByteBuffer.allocate(2048), 10));
        assertThrows(IllegalArgumentException.class, () -> plain.session.pollOutgoing(ByteBuffer.allocate(100), HEADROOM));
    }

    @Test
    void dataPathAllocatesNothing() throws Exception {
        Peer a = new Peer("0", "comp-lzo no;ping 10");
        Peer b = new Peer("1", "comp-lzo no;ping-restart 60");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        byte[] packet = udpPacket(1400, 8);
        int calls = 50_000;
        for (int round = 0; round < 2; round++) {
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < calls; i++) {
                buf.clear().position(HEADROOM);
                buf.put(packet);
                buf.limit(HEADROOM + packet.length).position(HEADROOM);
                if (a.session.encapsulate(buf) != Verdict.OK || b.session.decapsulate(buf) != Incoming.TUN_PACKET) {
                    throw new AssertionError("round trip failed at " + i);
                }
            }
            double perCall = (threads.getThreadAllocatedBytes(thread) - before) / (2.0 * calls);
            if (round == 1) {
                assertTrue(perCall < 16, perCall + " bytes per call");
            }
        }
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
