package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
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

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void aTcpStreamCrossesTheBridgeSplitOnReadAndMergedOnWrite(int version) throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        String a = version == 4 ? "10.77.0.1" : "fd77::1";
        String b = version == 4 ? "10.77.0.2" : "fd77::2";
        CountDownLatch serverReady = new CountDownLatch(1);
        CountDownLatch bridgeDone = new CountDownLatch(1);
        LinuxTunDevice[] devB = {null};
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        Thread server = new Thread(() -> serve(version, b, a, devB, serverReady, bridgeDone, received), "gro-server");
        server.start();
        Bridge bridge = null;
        LinuxTunDevice devA = null;
        try (NetNs ns = NetNs.enter()) {
            try {
                devA = open(ns, "groa0", version, a, b);
                assertTrue(serverReady.await(20, TimeUnit.SECONDS), "server side ready");
                assertNotNull(devB[0], "server side tun");
                bridge = new Bridge(devA, devB[0]);
                bridge.start();
                MessageDigest sent = MessageDigest.getInstance("SHA-256");
                long started = System.nanoTime();
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getByName(b), 5201), 5000);
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
                byte[] digest = received.get(20, TimeUnit.SECONDS);
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertArrayEquals(sent.digest(), digest, "every byte, in order");
                VnetTunReader split = devA.vnetReader();
                GroWriter merged = devB[0].vnetWriter().gro();
                assertTrue(split.gsoPackets() > 0, "GSO reads split");
                assertEquals(0, split.malformed());
                assertTrue(merged.mergedWrites() > 0, "merged writes made");
                assertTrue(merged.mergedPackets() > 2 * merged.mergedWrites(), "several segments per merged write: "
                        + merged.mergedPackets() + " in " + merged.mergedWrites());
                assertEquals(0, merged.refusedMerges(), "the kernel accepted every merged packet");
                assertTrue(devB[0].offloads().endsWith(", gro tcp"), devB[0].offloads());
                System.out.printf("[reliability] tun offloads IPv%d, bridge of two real tuns: %d GSO reads split into %d"
                        + " segments, %.1f segments per merged write (%d merged, %d single writes), %d MB in %d ms"
                        + " (-Dculvert.gro.streamBytes=%d)%n", version, split.gsoPackets(), split.gsoSegments(),
                        (double) merged.mergedPackets() / merged.mergedWrites(), merged.mergedWrites(),
                        merged.singleWrites(), STREAM_BYTES >> 20, millis, STREAM_BYTES);
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

    /** The far side, on its own thread (namespaces are per thread): its tun and a server that digests what it reads. */
    private static void serve(int version, String self, String peer, LinuxTunDevice[] dev, CountDownLatch ready,
            CountDownLatch bridgeDone, CompletableFuture<byte[]> received) {
        try (NetNs ns = NetNs.enter()) {
            try (ServerSocket listener = new ServerSocket()) {
                dev[0] = open(ns, "grob0", version, self, peer);
                listener.bind(new InetSocketAddress(InetAddress.getByName(self), 5201));
                ready.countDown();
                listener.setSoTimeout(20_000);
                try (Socket s = listener.accept()) {
                    s.setSoTimeout(15_000);
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    InputStream in = s.getInputStream();
                    byte[] buffer = new byte[65536];
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        digest.update(buffer, 0, n);
                    }
                    received.complete(digest.digest());
                }
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
