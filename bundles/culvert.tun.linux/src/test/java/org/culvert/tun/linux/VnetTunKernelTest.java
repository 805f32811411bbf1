package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Random;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The offload path against the kernel's real tun, in a namespace of its own: a kernel TCP socket
 * sends through the device to a peer this test plays (it answers the SYN and ACKs what it read,
 * writing through the device), with a small MSS and a small batch, so the kernel hands up GSO packets
 * of many segments that do not fit one read. Every segment read must be a valid IP packet (IPv4
 * header and TCP checksums checked independently), no longer than the MSS, in sequence, and together the
 * bytes sent, over IPv4 and IPv6. The fallbacks (the driver option {@code offloads=false}, tap) read plain packets.
 */
class VnetTunKernelTest {
    private static final int MSS = 536;
    private static final int BYTES = 300_000;
    private static final int PORT = 5201;
    private static final int SERVER_ISN = 1_000_000;

    private final LinuxTunDriver driver = new LinuxTunDriver();
    private NetNs ns;
    private TunDevice device;

    @BeforeEach
    void enterNamespace() throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        ns = NetNs.enter();
    }

    @AfterEach
    void leaveNamespace() {
        try {
            if (device != null) {
                device.close();
            }
        } finally {
            if (ns != null) {
                ns.close();
            }
        }
    }

    private TunDevice open(String name, boolean offloads) throws Exception {
        // No duplicate address detection: the IPv6 address is usable at once.
        NetNs.run("ip", "netns", "exec", ns.name, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        TunSpec.Builder spec = TunSpec.builder(TunLayer.TUN).name(name).mtu(1500).ifconfig("10.77.0.1", "10.77.0.2")
                .ifconfigIpv6("fd77::1", 64, "fd77::2");
        if (!offloads) {
            spec.driverOption("offloads", "false");
        }
        device = driver.open(spec.build());
        return device;
    }

    @Test
    void kernelTsoPacketsAreSplitIntoValidContiguousSegmentsEvenWhenTheBatchIsSmall() throws Exception {
        LinuxTunDevice d = (LinuxTunDevice) open("culvg1", true);
        assertTrue(d.offloads().startsWith("vnet-hdr: csum tso4 tso6"), d.offloads());
        Flow flow = new Flow(d, false);
        flow.run();
        VnetTunReader reader = d.vnetReader();
        assertNotNull(reader);
        assertTrue(reader.gsoPackets() > 0, "the kernel handed up no GSO packet");
        assertTrue(reader.gsoSegments() > reader.gsoPackets(), reader.gsoSegments() + " segments from " + reader.gsoPackets());
        assertEquals(0, reader.malformed());
        assertEquals(0, reader.oversized());
        assertTrue(flow.readsWhileNotReadable > 0, "no read handed out segments kept from an earlier read");
        System.out.println("[reliability] tun GSO split: " + reader.gsoPackets() + " GSO packets -> " + reader.gsoSegments()
                + " segments (" + BYTES / 1000 + " KB over TCP, MSS " + MSS + ", batch 4)");
    }

    @Test
    void kernelTso6PacketsAreSplitToo() throws Exception {
        LinuxTunDevice d = (LinuxTunDevice) open("culvg4", true);
        Flow flow = new Flow(d, true);
        flow.run();
        VnetTunReader reader = d.vnetReader();
        assertTrue(reader.gsoPackets() > 0, "the kernel handed up no GSO packet");
        assertEquals(0, reader.malformed());
        System.out.println("[reliability] tun GSO split (IPv6): " + reader.gsoPackets() + " GSO packets -> " + reader.gsoSegments()
                + " segments (" + BYTES / 1000 + " KB over TCP, MSS " + MSS + ", batch 4)");
    }

    @Test
    void offloadsOffByDriverOptionReadPlainPackets() throws Exception {
        LinuxTunDevice d = (LinuxTunDevice) open("culvg2", false);
        assertEquals("none: driver option offloads=false", d.offloads());
        assertNull(d.vnetReader());
        new Flow(d, false).run();
    }

    @Test
    void tapOpensWithoutOffloads() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TAP).name("culvg3").build());
        assertTrue(device.offloads().startsWith("none: tap"), device.offloads());
        assertNull(((LinuxTunDevice) device).vnetReader());
    }

    /** A kernel TCP sender and the peer this test plays, through the device. */
    private static final class Flow {
        private final TunDevice device;
        private final boolean v6;
        /** Offset of the TCP header. */
        private final int l4;
        private final PacketBatch in = PacketBatch.allocate(4, 64, 64 + 1600);
        private final PacketBatch out = PacketBatch.allocate(1, 64, 64 + 1600);
        private final ByteBuffer pollfd = DirectBuffers.allocateNative(LibC.POLLFD_SIZE);
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private int clientPort;
        private long nextSeq;
        int readsWhileNotReadable;

        Flow(TunDevice device, boolean v6) {
            this.device = device;
            this.v6 = v6;
            this.l4 = v6 ? 40 : 20;
            pollfd.putInt(0, ((org.culvert.api.event.FdWaitable) device.waitable()).fd());
            pollfd.putShort(4, (short) LibC.POLLIN);
        }

        void run() throws Exception {
            byte[] data = GsoSplitTest.payload(BYTES);
            long deadline = System.nanoTime() + 15_000_000_000L;
            try (SocketChannel ch = SocketChannel.open()) {
                ch.configureBlocking(false);
                ch.connect(new InetSocketAddress(v6 ? "fd77::2" : "10.77.0.2", PORT));
                ByteBuffer syn = awaitSyn(deadline);
                clientPort = syn.getShort(l4) & 0xFFFF;
                long clientIsn = syn.getInt(l4 + 4) & 0xFFFF_FFFFL;
                nextSeq = clientIsn + 1;
                send(0x12, SERVER_ISN, nextSeq, true);
                while (!ch.finishConnect()) {
                    assertTrue(System.nanoTime() < deadline, "no connection");
                    drain(); // the handshake's ACK
                }
                ByteBuffer src = ByteBuffer.wrap(data);
                while (received.size() < BYTES) {
                    assertTrue(System.nanoTime() < deadline, "received " + received.size() + " of " + BYTES);
                    if (src.hasRemaining()) {
                        ch.write(src);
                    }
                    if (drain()) {
                        // Only once the reads ran dry: what the kernel sent was all handed out without an ACK.
                        send(0x10, SERVER_ISN + 1, nextSeq, false);
                    }
                }
            }
            assertArrayEquals(data, received.toByteArray(), "the bytes sent");
        }

        private ByteBuffer awaitSyn(long deadline) throws Exception {
            while (true) {
                assertTrue(System.nanoTime() < deadline, "no SYN");
                in.clear();
                int n = device.read(in);
                for (int i = 0; i < n; i++) {
                    ByteBuffer p = in.slot(i).slice();
                    if ((p.get(0) & 0xF0) == (v6 ? 0x60 : 0x40) && IpCheck.protocol(p) == 6 && (p.getShort(l4 + 2) & 0xFFFF) == PORT
                            && (p.get(l4 + 13) & 0x02) != 0) {
                        assertTrue(IpCheck.l4Valid(p), "SYN checksum");
                        return p;
                    }
                }
            }
        }

        /** Reads until the device has nothing; returns true when it read any new data. */
        private boolean drain() throws Exception {
            boolean any = false;
            boolean lastFull = false;
            while (true) {
                boolean readable = LibC.poll(DirectBuffers.address(pollfd), 1, 0) > 0;
                in.clear();
                int n = device.read(in);
                if (n > 0 && !readable && lastFull) {
                    readsWhileNotReadable++;
                }
                lastFull = n == in.capacity();
                if (n == 0) {
                    return any;
                }
                for (int i = 0; i < n; i++) {
                    any |= take(in.slot(i).slice());
                }
            }
        }

        private boolean take(ByteBuffer p) {
            if ((p.get(0) & 0xF0) != (v6 ? 0x60 : 0x40)) {
                return false; // the other family's chatter (e.g. IPv6 router solicitations)
            }
            if (v6) {
                assertEquals(p.limit() - 40, p.getShort(4) & 0xFFFF, "IPv6 payload length");
            } else {
                assertEquals(p.limit(), p.getShort(2) & 0xFFFF, "IP length is the packet");
                assertTrue(IpCheck.ipv4HeaderValid(p), "IPv4 header checksum");
            }
            if (IpCheck.protocol(p) != 6 || (p.getShort(l4) & 0xFFFF) != clientPort) {
                return false;
            }
            assertTrue(IpCheck.l4Valid(p), "TCP checksum");
            int headers = IpCheck.headersLength(p);
            int payload = p.limit() - headers;
            assertTrue(payload <= MSS, "segment of " + payload + " bytes past the MSS");
            long seq = p.getInt(l4 + 4) & 0xFFFF_FFFFL;
            if (payload == 0) {
                return false;
            }
            if (seq != nextSeq) {
                // Only a retransmission (the kernel's timer) may repeat; a gap would be a lost segment.
                assertTrue(seq < nextSeq, "sequence gap: " + seq + " after " + nextSeq);
                return false;
            }
            byte[] b = new byte[payload];
            p.get(headers, b);
            received.write(b, 0, payload);
            nextSeq += payload;
            return true;
        }

        /** A TCP packet from the peer; the SYN-ACK carries the MSS option. */
        private void send(int flags, long seq, long ack, boolean mss) throws Exception {
            out.clear();
            ByteBuffer s = out.prepareSlot(0);
            int at = s.position();
            int tcpLen = mss ? 24 : 20;
            ByteBuffer p = s.slice(at, l4 + tcpLen);
            if (v6) {
                p.put(0, (byte) 0x60).putShort(4, (short) tcpLen).put(6, (byte) 6).put(7, (byte) 64);
                p.put(8, (byte) 0xfd).put(9, (byte) 0x77).put(23, (byte) 2).put(24, (byte) 0xfd).put(25, (byte) 0x77).put(39, (byte) 1);
            } else {
                p.put(0, (byte) 0x45).putShort(2, (short) (20 + tcpLen)).put(8, (byte) 64).put(9, (byte) 6);
                p.put(12, new byte[] {10, 77, 0, 2}).put(16, new byte[] {10, 77, 0, 1});
            }
            p.putShort(l4, (short) PORT).putShort(l4 + 2, (short) clientPort).putInt(l4 + 4, (int) seq).putInt(l4 + 8, (int) ack);
            p.put(l4 + 12, (byte) (tcpLen / 4 << 4)).put(l4 + 13, (byte) flags).putShort(l4 + 14, (short) 65535);
            if (mss) {
                p.put(l4 + 20, (byte) 2).put(l4 + 21, (byte) 4).putShort(l4 + 22, (short) MSS);
            }
            IpCheck.fillChecksums(p);
            s.limit(at + l4 + tcpLen);
            out.count(1);
            assertEquals(1, device.write(out, 0));
        }
    }
}
