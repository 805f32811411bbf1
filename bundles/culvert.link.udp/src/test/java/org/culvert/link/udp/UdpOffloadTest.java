package org.culvert.link.udp;

import static org.culvert.link.udp.UdpLinkSocketTest.fill;
import static org.culvert.link.udp.UdpLinkSocketTest.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.api.event.EventSet;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.Net;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.jna.Pointer;

/** UDP GSO sends and GRO receives against the real kernel, on loopback (127.0.0.1 only). */
class UdpOffloadTest {
    private static final int HEADROOM = 48;
    private static final int MAX = 1650;
    private static final long TIMEOUT_MILLIS = 5_000;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : resources) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** Records every {@code sendmmsg}'s messages (datagrams and GSO size each) and can refuse GSO messages. */
    static final class Recorder implements UdpLinkSocket.Syscalls {
        final List<int[]> messages = new ArrayList<>();
        /** errno to answer a message with a {@code UDP_SEGMENT} cmsg with; 0 passes it to the kernel. */
        int refuseGsoWith;
        int refused;
        private int errno;

        @Override
        public int sendmmsg(int fd, long msgvec, int vlen, int flags) {
            Pointer p = new Pointer(msgvec);
            for (int i = 0; i < vlen; i++) {
                long h = (long) i * Net.MMSGHDR_SIZE;
                int iovlen = (int) p.getLong(h + Net.MSG_IOVLEN);
                long control = p.getLong(h + Net.MSG_CONTROL);
                int gsoSize = p.getLong(h + Net.MSG_CONTROLLEN) > 0 ? new Pointer(control).getShort(Net.CMSG_DATA) & 0xFFFF : 0;
                if (refuseGsoWith != 0 && gsoSize > 0) {
                    if (i == 0) {
                        refused++;
                        errno = refuseGsoWith;
                        return -1;
                    }
                    vlen = i; // the kernel stops at the failing message and reports what went
                    break;
                }
                messages.add(new int[] { iovlen, gsoSize });
            }
            int sent = Net.sendmmsg(fd, msgvec, vlen, flags);
            errno = UdpLinkSocket.NATIVE.errno();
            return sent;
        }

        @Override
        public int errno() {
            return errno;
        }

        String shape() {
            StringBuilder b = new StringBuilder();
            for (int[] m : messages) {
                b.append(m[0]).append(m[1] > 0 ? "@" + m[1] : "").append(' ');
            }
            return b.toString().trim();
        }
    }

    private UdpLinkSocket open(int batchSize, boolean offloads, UdpLinkSocket.Syscalls syscalls) throws LinkException {
        LinkSpec spec = UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build();
        return track(UdpLinkSocket.open(spec, batchSize, offloads, syscalls));
    }

    private DatagramSocket plainReceiver() throws IOException {
        DatagramSocket s = track(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        s.setReceiveBufferSize(4 << 20);
        s.setSoTimeout((int) TIMEOUT_MILLIS);
        return s;
    }

    private static PacketBatch batchOf(int seed, int... sizes) {
        PacketBatch b = PacketBatch.allocate(sizes.length, HEADROOM, HEADROOM + MAX);
        for (int i = 0; i < sizes.length; i++) {
            fill(b, i, payload(seed + i, sizes[i]));
        }
        b.count(sizes.length);
        return b;
    }

    private static int[] sizes(int n, int size, int... tail) {
        int[] s = new int[n + tail.length];
        Arrays.fill(s, 0, n, size);
        System.arraycopy(tail, 0, s, n, tail.length);
        return s;
    }

    /** Each datagram arrives alone at a plain socket, in order, with its bytes. */
    private static void expectAtPlain(DatagramSocket receiver, int seed, int[] sizes) throws IOException {
        byte[] buf = new byte[65536];
        for (int i = 0; i < sizes.length; i++) {
            DatagramPacket d = new DatagramPacket(buf, buf.length);
            receiver.receive(d);
            assertArrayEquals(payload(seed + i, sizes[i]), Arrays.copyOf(d.getData(), d.getLength()), "datagram " + i);
        }
    }

    @Test
    void fortyEqualDatagramsAndAShortLastGoOutAsOneGsoMessageAndArriveAs41() throws Exception {
        Recorder rec = new Recorder();
        UdpLinkSocket sender = open(64, true, rec);
        assertTrue(sender.offloads().startsWith("udp gso, udp gro"), sender.offloads());
        DatagramSocket receiver = plainReceiver();
        sender.remote(receiver.getLocalSocketAddress());

        int[] sizes = sizes(40, 1400, 333);
        assertEquals(41, sender.send(batchOf(0, sizes), 0));
        assertEquals("41@1400", rec.shape(), "one UDP_SEGMENT message of 41 iovecs");
        assertEquals(1, sender.gsoMessages());
        expectAtPlain(receiver, 0, sizes);
    }

    @Test
    void runsBreakAtSizeChangesAtTheSegmentLimitAndAt64KB() throws Exception {
        Recorder rec = new Recorder();
        UdpLinkSocket sender = open(128, true, rec);
        DatagramSocket receiver = plainReceiver();
        sender.remote(receiver.getLocalSocketAddress());

        // A shorter datagram ends a run; a longer one starts a new one.
        int[] mixed = { 1400, 1400, 1400, 1000, 1000, 1400, 1400, 200, 200 };
        assertEquals(mixed.length, sender.send(batchOf(10, mixed), 0));
        assertEquals("4@1400 1 3@1400 1", rec.shape());
        expectAtPlain(receiver, 10, mixed);

        // At most 64 segments per message.
        rec.messages.clear();
        int[] small = sizes(100, 100);
        assertEquals(100, sender.send(batchOf(20, small), 0));
        assertEquals("64@100 36@100", rec.shape());
        expectAtPlain(receiver, 20, small);

        // At most 64 KB of payload: 46 x 1400 = 64400, a 47th would pass 65507.
        rec.messages.clear();
        int[] big = sizes(50, 1400);
        assertEquals(50, sender.send(batchOf(30, big), 0));
        assertEquals("46@1400 4@1400", rec.shape());
        expectAtPlain(receiver, 30, big);
    }

    @Test
    void runsBreakWhenTheDestinationChanges() throws Exception {
        Recorder rec = new Recorder();
        UdpLinkSocket sender = open(64, true, rec);
        DatagramSocket first = plainReceiver();
        DatagramSocket second = plainReceiver();
        // As the server loop does: the remote is set to each run's client before its send.
        PacketBatch batch = batchOf(40, sizes(10, 1200));
        sender.remote(first.getLocalSocketAddress());
        assertEquals(6, sender.send(cut(batch, 6), 0));
        sender.remote(second.getLocalSocketAddress());
        batch.count(10);
        assertEquals(4, sender.send(batch, 6));
        assertEquals("6@1200 4@1200", rec.shape());
        expectAtPlain(first, 40, sizes(6, 1200));
        expectAtPlain(second, 46, sizes(4, 1200));
    }

    private static PacketBatch cut(PacketBatch batch, int count) {
        batch.count(count);
        return batch;
    }

    @Test
    void coalescedReceivesAreSplitWithTheirSources() throws Exception {
        UdpLinkSocket receiver = open(64, true, UdpLinkSocket.NATIVE);
        assertTrue(receiver.offloads().contains("udp gro"), receiver.offloads());
        UdpLinkSocket remote = open(64, true, UdpLinkSocket.NATIVE);
        UdpLinkSocket stranger = open(64, true, UdpLinkSocket.NATIVE);
        SocketAddress to = receiver.local();
        remote.remote(to);
        stranger.remote(to);
        receiver.remote(remote.local());
        DatagramSocket plain = track(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));

        int[] fromRemote = sizes(20, 1300, 77);
        int[] fromStranger = sizes(12, 500);
        assertEquals(21, remote.send(batchOf(100, fromRemote), 0));
        assertEquals(12, stranger.send(batchOf(200, fromStranger), 0));
        byte[] single = payload(300, 900);
        plain.send(new DatagramPacket(single, single.length, to));

        List<byte[]> data = new ArrayList<>();
        List<SocketAddress> sources = new ArrayList<>();
        receiveAll(receiver, PacketBatch.allocate(64, HEADROOM, HEADROOM + MAX), 34, data, sources);
        for (int i = 0; i < 21; i++) {
            assertArrayEquals(payload(100 + i, fromRemote[i]), data.get(i), "remote's datagram " + i);
            assertNull(sources.get(i), "the remote's datagrams carry no source");
        }
        for (int i = 0; i < 12; i++) {
            assertArrayEquals(payload(200 + i, 500), data.get(21 + i), "stranger's datagram " + i);
            assertEquals(stranger.local(), sources.get(21 + i));
        }
        assertArrayEquals(single, data.get(33));
        assertEquals(plain.getLocalSocketAddress(), sources.get(33));
        assertEquals(2, receiver.coalescedReceives(), "the kernel handed each GSO burst over as one buffer");
        assertEquals(33, receiver.coalescedDatagrams());
    }

    @Test
    void ipv6RunsAreCoalescedAndSplitToo() throws Exception {
        UdpLinkSocket receiver = track(UdpLinkSocket.open(UdpPairs.spec(AddressFamily.IPV6, "::1").build(), 64, true, UdpLinkSocket.NATIVE));
        Recorder rec = new Recorder();
        UdpLinkSocket sender = track(UdpLinkSocket.open(UdpPairs.spec(AddressFamily.IPV6, "::1").build(), 64, true, rec));
        sender.remote(receiver.local());
        receiver.remote(sender.local());
        int[] sizes = sizes(40, 1400, 333);
        assertEquals(41, sender.send(batchOf(400, sizes), 0));
        assertEquals("41@1400", rec.shape());
        List<byte[]> data = new ArrayList<>();
        List<SocketAddress> sources = new ArrayList<>();
        receiveAll(receiver, PacketBatch.allocate(64, HEADROOM, HEADROOM + MAX), 41, data, sources);
        for (int i = 0; i < 41; i++) {
            assertArrayEquals(payload(400 + i, sizes[i]), data.get(i), "datagram " + i);
            assertNull(sources.get(i));
        }
        assertEquals(1, receiver.coalescedReceives());
    }

    @Test
    void aSmallCallerBatchLosesNothingAndFillsUpBeforeTheKernelIsAskedAgain() throws Exception {
        UdpLinkSocket receiver = open(64, true, UdpLinkSocket.NATIVE);
        UdpLinkSocket sender = open(64, true, UdpLinkSocket.NATIVE);
        sender.remote(receiver.local());
        receiver.remote(sender.local());
        int[] sizes = sizes(40, 1400, 333);
        assertEquals(41, sender.send(batchOf(500, sizes), 0));

        PacketBatch small = PacketBatch.allocate(8, HEADROOM, HEADROOM + MAX);
        List<byte[]> data = new ArrayList<>();
        int calls = 0;
        try (Readiness r = new Readiness(receiver, EventSet.READ)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
            while (data.size() == 0) {
                assertTrue(System.nanoTime() < deadline, "nothing arrived");
                r.await(EventSet.READ, 250);
                take(receiver, small, data);
            }
            assertEquals(8, data.size(), "a coalesced buffer fills the small batch");
            assertEquals(0, r.await(EventSet.READ, 0), "the kernel's queue is empty: the rest waits in the socket");
            while (data.size() < 41) {
                int n = take(receiver, small, data);
                assertTrue(n == 8 || data.size() == 41, "only the last call may return a partial batch: " + n);
                assertTrue(++calls < 10, "the held-back datagrams come out without waiting");
            }
        }
        assertEquals(0, receiver.receive(small), "nothing more");
        for (int i = 0; i < 41; i++) {
            assertArrayEquals(payload(500 + i, sizes[i]), data.get(i), "datagram " + i);
        }
        assertEquals(1, receiver.coalescedReceives());
    }

    private static int take(UdpLinkSocket socket, PacketBatch batch, List<byte[]> data) throws LinkException {
        batch.clear();
        int n = socket.receive(batch);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[batch.slot(i).remaining()];
            batch.slot(i).get(batch.slot(i).position(), b);
            data.add(b);
        }
        return n;
    }

    private static void receiveAll(UdpLinkSocket socket, PacketBatch batch, int expected, List<byte[]> data,
            List<SocketAddress> sources) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        try (Readiness r = new Readiness(socket, EventSet.READ)) {
            while (data.size() < expected) {
                int before = data.size();
                int n = take(socket, batch, data);
                for (int i = 0; i < n; i++) {
                    sources.add(batch.source(i));
                }
                if (data.size() == before) {
                    assertTrue(System.nanoTime() < deadline, "only " + data.size() + " of " + expected + " arrived");
                    r.await(EventSet.READ, 250);
                }
            }
        }
        assertEquals(expected, data.size());
    }

    @Test
    void eioTurnsGsoOffForGoodAndEveryDatagramStillGoesOut() throws Exception {
        Recorder rec = new Recorder();
        rec.refuseGsoWith = Errno.EIO;
        UdpLinkSocket sender = open(64, true, rec);
        DatagramSocket receiver = plainReceiver();
        sender.remote(receiver.getLocalSocketAddress());

        int[] sizes = sizes(40, 1400, 333);
        assertEquals(41, sender.send(batchOf(600, sizes), 0));
        assertEquals(1, rec.refused, "one GSO attempt, then none");
        assertEquals(41, rec.messages.size(), "then one message per datagram");
        assertEquals("udp gro (gso off after EIO)", sender.offloads());
        expectAtPlain(receiver, 600, sizes);

        rec.messages.clear();
        assertEquals(41, sender.send(batchOf(700, sizes), 0));
        assertEquals(1, rec.refused, "GSO stays off");
        assertEquals(41, rec.messages.size());
        assertEquals(0, sender.gsoMessages());
        expectAtPlain(receiver, 700, sizes);
    }

    @Test
    void aRefusedRunIsSentDatagramByDatagramAndThatSizeIsNotTriedAgain() throws Exception {
        Recorder rec = new Recorder();
        rec.refuseGsoWith = Errno.EINVAL;
        UdpLinkSocket sender = open(64, true, rec);
        DatagramSocket receiver = plainReceiver();
        sender.remote(receiver.getLocalSocketAddress());

        int[] sizes = sizes(10, 1400);
        assertEquals(10, sender.send(batchOf(800, sizes), 0));
        assertEquals(1, rec.refused);
        assertEquals(10, rec.messages.size());
        expectAtPlain(receiver, 800, sizes);
        assertEquals(0, sender.rejectedDatagrams(), "each datagram went out on its own");
        assertTrue(sender.offloads().startsWith("udp gso"), "an EINVAL is no reason to give GSO up: " + sender.offloads());

        rec.messages.clear();
        assertEquals(10, sender.send(batchOf(900, sizes), 0));
        assertEquals(1, rec.refused, "1400-byte runs are not tried again");
        rec.refuseGsoWith = 0;
        rec.messages.clear();
        int[] smaller = sizes(5, 1000);
        assertEquals(5, sender.send(batchOf(950, smaller), 0));
        assertEquals("5@1000", rec.shape(), "smaller segments still go as one message");
        expectAtPlain(receiver, 900, sizes);
        expectAtPlain(receiver, 950, smaller);
    }

    @Test
    void withOffloadsOffEveryDatagramIsItsOwnMessage() throws Exception {
        Recorder rec = new Recorder();
        UdpLinkSocket sender = open(64, false, rec);
        assertEquals("none", sender.offloads());
        DatagramSocket receiver = plainReceiver();
        sender.remote(receiver.getLocalSocketAddress());
        int[] sizes = sizes(5, 1400);
        assertEquals(5, sender.send(batchOf(1000, sizes), 0));
        assertEquals("1 1 1 1 1", rec.shape());
        expectAtPlain(receiver, 1000, sizes);
        assertFalse(sender.gsoMessages() > 0);
    }
}
