package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.FdWaitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The offload path both ways against the kernel's real tun: two Culvert devices (the driver opens
 * them with {@code IFF_VNET_HDR} and TSO), each in a namespace of its own, bridged by the test (read
 * from one, written to the other, both ways). A TCP stream between the namespaces crosses the
 * bridge: the kernel hands up GSO packets that the reader splits, the writer merges the segments
 * again ({@code GSO_TCPV4/6}, {@code NEEDS_CSUM}), and the receiving kernel must deliver every byte
 * in order, which a digest on both ends checks.
 */
class GroKernelTest {
    private static final int STREAM_BYTES = Integer.getInteger("culvert.gro.streamBytes", 20 << 20);
    private static final int PORT = 5201;
    private static final int UDP_DATAGRAMS = 4000;
    private static final int UDP_SIZE = 1200;
    private static final int UDP_BURST = 32;

    /** The far side's job, run in its namespace: get ready to receive at {@code self}, then receive and digest. */
    private interface Far extends AutoCloseable {
        void prepare(InetAddress self) throws Exception;

        byte[] receive() throws Exception;
    }

    /** The near side's job: send to {@code peer}; returns what the far side's digest must be. */
    private interface Near {
        byte[] send(InetAddress peer) throws Exception;
    }

    /** The devices after a run (closed; their counters remain) and how long it took. */
    private record Run(LinuxTunDevice a, LinuxTunDevice b, long millis) {
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void aTcpStreamCrossesTheBridgeSplitOnReadAndMergedOnWrite(int version) throws Exception {
        Run run = bridged(version, new TcpFar(), peer -> {
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(peer, PORT), 5000);
                s.setSoTimeout(15000);
                OutputStream out = s.getOutputStream();
                Random random = new Random(version);
                byte[] chunk = new byte[65536];
                for (int left = STREAM_BYTES; left > 0; left -= chunk.length) {
                    random.nextBytes(chunk);
                    int n = Math.min(left, chunk.length);
                    sent.update(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
                s.shutdownOutput();
                assertEquals(-1, s.getInputStream().read(), "the server closes after reading all");
            }
            return sent.digest();
        });
        VnetTunReader split = run.a.vnetReader();
        GroWriter merged = run.b.vnetWriter().gro();
        assertTrue(split.gsoPackets() > 0, "GSO reads split");
        assertEquals(0, split.malformed());
        assertTrue(merged.mergedWrites() > 0, "merged writes made");
        assertTrue(merged.mergedPackets() > 2 * merged.mergedWrites(), "several segments per merged write: "
                + merged.mergedPackets() + " in " + merged.mergedWrites());
        assertEquals(0, merged.refusedMerges(), "the kernel accepted every merged packet");
        assertTrue(run.b.offloads().contains(", gro tcp"), run.b.offloads());
        System.out.printf("[reliability] tun offloads IPv%d, bridge of two real tuns: %d GSO reads split into %d"
                + " segments, %.1f segments per merged write (%d merged, %d single writes), %d MB in %d ms"
                + " (-Dculvert.gro.streamBytes=%d)%n", version, split.gsoPackets(), split.gsoSegments(),
                (double) merged.mergedPackets() / merged.mergedWrites(), merged.mergedWrites(),
                merged.singleWrites(), STREAM_BYTES >> 20, run.millis, STREAM_BYTES);
    }

    /**
     * UDP datagrams in bursts (the far side confirms each burst before the next, so no socket buffer
     * overflows): where the kernel took USO they cross in {@code GSO_UDP_L4} writes and arrive whole,
     * once each, in order.
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void udpDatagramsCrossInMergedWritesWhereTheTunHasUso(int version) throws Exception {
        UdpFar far = new UdpFar();
        Run run = bridged(version, far, peer -> {
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (DatagramSocket socket = new DatagramSocket()) {
                byte[] datagram = new byte[UDP_SIZE];
                for (int i = 0; i < UDP_DATAGRAMS; i++) {
                    fill(datagram, i);
                    sent.update(datagram);
                    socket.send(new DatagramPacket(datagram, datagram.length, peer, PORT));
                    if (i % UDP_BURST == UDP_BURST - 1) {
                        far.awaitReceived(i + 1);
                    }
                }
            }
            return sent.digest();
        });
        Assumptions.assumeTrue(run.b.offloads().contains("uso4"), "the kernel refused USO: " + run.b.offloads());
        GroWriter merged = run.b.vnetWriter().gro();
        assertTrue(run.b.offloads().contains(", gro tcp udp"), run.b.offloads());
        assertTrue(merged.mergedWrites() > 0, "merged writes made");
        assertEquals(0, merged.refusedMerges(), "the kernel accepted every merged datagram");
        System.out.printf("[reliability] tun GRO UDP IPv%d through a real tun: %.1f datagrams per merged write (%d merged,"
                + " %d single writes; %d datagrams of %d bytes in bursts of %d)%n", version,
                (double) merged.mergedPackets() / merged.mergedWrites(), merged.mergedWrites(), merged.singleWrites(),
                UDP_DATAGRAMS, UDP_SIZE, UDP_BURST);
    }

    private static void fill(byte[] datagram, int index) {
        ByteBuffer.wrap(datagram).putInt(0, index);
        for (int j = 4; j < datagram.length; j++) {
            datagram[j] = (byte) (index * 7 + j);
        }
    }

    /** Opens a device in each of two namespaces, bridges them, runs {@code near} here and {@code far} there; asserts the digests agree. */
    private static Run bridged(int version, Far far, Near near) throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        String a = version == 4 ? "10.77.0.1" : "fd77::1";
        String b = version == 4 ? "10.77.0.2" : "fd77::2";
        CountDownLatch serverReady = new CountDownLatch(1);
        CountDownLatch bridgeDone = new CountDownLatch(1);
        LinuxTunDevice[] devB = {null};
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        Thread server = new Thread(() -> serve(far, version, b, a, devB, serverReady, bridgeDone, received), "gro-far");
        server.start();
        Bridge bridge = null;
        LinuxTunDevice devA = null;
        try (NetNs ns = NetNs.enter()) {
            try {
                devA = open(ns, "groa0", version, a, b);
                assertTrue(serverReady.await(20, TimeUnit.SECONDS), "far side ready");
                assertNotNull(devB[0], "far side tun");
                bridge = new Bridge(devA, devB[0]);
                bridge.start();
                long started = System.nanoTime();
                byte[] expected = near.send(InetAddress.getByName(b));
                byte[] digest = received.get(20, TimeUnit.SECONDS);
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertArrayEquals(expected, digest, "every byte, in order");
                return new Run(devA, devB[0], millis);
            } finally {
                if (bridge != null) {
                    bridge.halt();
                }
                if (devA != null) {
                    devA.close();
                }
                if (devB[0] != null) {
                    devB[0].close();
                }
                bridgeDone.countDown();
            }
        } finally {
            server.join(30_000);
        }
    }

    /** The far side, on its own thread (namespaces are per thread): its tun, then {@code far}'s job. */
    private static void serve(Far far, int version, String self, String peer, LinuxTunDevice[] dev, CountDownLatch ready,
            CountDownLatch bridgeDone, CompletableFuture<byte[]> received) {
        try (NetNs ns = NetNs.enter()) {
            try (far) {
                dev[0] = open(ns, "grob0", version, self, peer);
                far.prepare(InetAddress.getByName(self));
                ready.countDown();
                received.complete(far.receive());
            } catch (Exception e) {
                received.completeExceptionally(e);
            } finally {
                ready.countDown();
                // The device is closed by the test once the bridge has stopped using it.
                bridgeDone.await(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            received.completeExceptionally(e);
        }
    }

    /** Accepts one connection and digests everything it reads until the end of the stream. */
    private static final class TcpFar implements Far {
        private ServerSocket listener;

        @Override
        public void prepare(InetAddress self) throws Exception {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(self, PORT));
            listener.setSoTimeout(20_000);
        }

        @Override
        public byte[] receive() throws Exception {
            try (Socket s = listener.accept()) {
                s.setSoTimeout(15_000);
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    digest.update(buffer, 0, n);
                }
                return digest.digest();
            }
        }

        @Override
        public void close() throws IOException {
            if (listener != null) {
                listener.close();
            }
        }
    }

    /** Receives the datagrams, each checked whole and in its place, and digests them. */
    private static final class UdpFar implements Far {
        private DatagramSocket socket;
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public void prepare(InetAddress self) throws Exception {
            socket = new DatagramSocket(new InetSocketAddress(self, PORT));
            socket.setSoTimeout(10_000);
        }

        @Override
        public byte[] receive() throws Exception {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[UDP_SIZE + 100];
            byte[] expected = new byte[UDP_SIZE];
            for (int i = 0; i < UDP_DATAGRAMS; i++) {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                socket.receive(p);
                fill(expected, i);
                assertEquals(UDP_SIZE, p.getLength(), "datagram " + i + " whole");
                assertArrayEquals(expected, java.util.Arrays.copyOf(buffer, UDP_SIZE), "datagram " + i + " in its place");
                digest.update(buffer, 0, UDP_SIZE);
                count.incrementAndGet();
            }
            return digest.digest();
        }

        /** Polls until {@code n} datagrams are in (a burst confirmed), with a deadline. */
        void awaitReceived(int n) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (count.get() < n) {
                assertTrue(System.nanoTime() < deadline, "received " + count.get() + " of " + n);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.close();
            }
        }
    }

    /** A Culvert device on the offload path, in the calling thread's namespace, addressed with {@code ip}. */
    private static LinuxTunDevice open(NetNs ns, String name, int version, String self, String peer) throws Exception {
        LinuxTunDevice dev = (LinuxTunDevice) new LinuxTunDriver().open(TunSpec.builder(TunLayer.TUN).name(name).mtu(1500).build());
        assertTrue(dev.offloads().startsWith("vnet-hdr: csum tso4 tso6"), dev.offloads());
        if (version == 4) {
            ns.ip("addr", "add", self, "peer", peer, "dev", name);
        } else {
            ns.ip("-6", "addr", "add", self + "/64", "dev", name, "nodad");
        }
        ns.ip("link", "set", name, "up");
        return dev;
    }

    /** Moves packets both ways between two devices, on one thread, as a tunnel's loop would. */
    private static final class Bridge extends Thread {
        final TunDevice devA;
        final TunDevice devB;
        final PacketBatch batch = PacketBatch.allocate(64, 64, 64 + 1600);
        final ByteBuffer pollfds = DirectBuffers.allocateNative(2 * LibC.POLLFD_SIZE);
        volatile boolean running = true;
        volatile Throwable failure;

        Bridge(TunDevice devA, TunDevice devB) {
            super("gro-bridge");
            this.devA = devA;
            this.devB = devB;
            pollfds.putInt(0, ((FdWaitable) devA.waitable()).fd()).putShort(4, (short) LibC.POLLIN);
            pollfds.putInt(8, ((FdWaitable) devB.waitable()).fd()).putShort(12, (short) LibC.POLLIN);
        }

        @Override
        public void run() {
            try {
                while (running) {
                    pollfds.putShort(6, (short) 0).putShort(14, (short) 0);
                    if (LibC.poll(DirectBuffers.address(pollfds), 2, 50) <= 0) {
                        continue;
                    }
                    if ((pollfds.getShort(6) & LibC.POLLIN) != 0) {
                        forward(devA, devB);
                    }
                    if ((pollfds.getShort(14) & LibC.POLLIN) != 0) {
                        forward(devB, devA);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Until the source has nothing (split segments kept from a read come out on the next). */
        private void forward(TunDevice from, TunDevice to) throws Exception {
            while (true) {
                batch.clear();
                int count = from.read(batch);
                if (count == 0) {
                    return;
                }
                int done = 0;
                for (int attempt = 0; done < count && attempt < 1000; attempt++) {
                    done += to.write(batch, done);
                }
                if (done < count) {
                    throw new IllegalStateException("the tun kept refusing writes");
                }
            }
        }

        void halt() throws InterruptedException {
            running = false;
            join(5000);
            if (failure != null) {
                throw new AssertionError("bridge failed", failure);
            }
        }
    }
}
