package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coalesced writes against the kernel's real tun: two tun devices opened with
 * {@code IFF_VNET_HDR}, each in a namespace of its own, bridged by the test (read from one, written
 * through a {@link GroWriter} to the other, both ways). A TCP stream between the namespaces crosses
 * the bridge: the kernel must accept the merged packets ({@code GSO_TCPV4/6}, {@code NEEDS_CSUM}) and
 * deliver every byte in order, which a digest on both ends checks.
 *
 * <p>The devices are opened without {@code TUNSETOFFLOAD} features, so the kernel hands the bridge
 * plain segments (the split of GSO reads is the reader's business and tested with it); writes with
 * a GSO header are accepted by the tun whatever its features.
 */
class GroKernelTest {
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final int STREAM_BYTES = Integer.getInteger("culvert.gro.streamBytes", 20 << 20);
    private static final int HEADROOM = 32;

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void aTcpStreamCrossesTheBridgeInMergedWrites(int version) throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        String a = version == 4 ? "10.77.0.1" : "fd77::1";
        String b = version == 4 ? "10.77.0.2" : "fd77::2";
        CountDownLatch serverReady = new CountDownLatch(1);
        CountDownLatch bridgeDone = new CountDownLatch(1);
        int[] fdB = {-1};
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        Thread server = new Thread(() -> serve(version, b, a, fdB, serverReady, bridgeDone, received), "gro-server");
        server.start();
        Bridge bridge = null;
        int fdA = -1;
        try (NetNs ns = NetNs.enter()) {
            try {
                fdA = openVnetTun("groa0");
                address(ns, "groa0", version, a, b);
                assertTrue(serverReady.await(20, TimeUnit.SECONDS), "server side ready");
                assertTrue(fdB[0] >= 0, "server side tun");
                bridge = new Bridge(fdA, fdB[0]);
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
                GroWriter toB = bridge.toB;
                assertTrue(toB.mergedWrites() > 0, "merged writes made");
                assertTrue(toB.mergedPackets() > 2 * toB.mergedWrites(), "several segments per merged write: "
                        + toB.mergedPackets() + " in " + toB.mergedWrites());
                assertEquals(0, toB.refusedMerges(), "the kernel accepted every merged packet");
                assertTrue(toB.coalescing());
                assertEquals(0, bridge.unexpected, "no GSO read without offloads asked for");
                System.out.printf("[reliability] gro tcp IPv%d through a real tun: %.1f segments per merged write,"
                        + " %d merged writes, %d single writes, %d MB in %d ms (-Dculvert.gro.streamBytes=%d)%n",
                        version, (double) toB.mergedPackets() / toB.mergedWrites(), toB.mergedWrites(),
                        toB.singleWrites(), STREAM_BYTES >> 20, millis, STREAM_BYTES);
            } finally {
                if (bridge != null) {
                    bridge.halt();
                }
                if (fdA >= 0) {
                    LibC.close(fdA);
                }
                if (fdB[0] >= 0) {
                    LibC.close(fdB[0]);
                }
                bridgeDone.countDown();
            }
        } finally {
            server.join(30_000);
        }
    }

    /** The far side, on its own thread (namespaces are per thread): its tun and a server that digests what it reads. */
    private static void serve(int version, String self, String peer, int[] fd, CountDownLatch ready, CountDownLatch bridgeDone,
            CompletableFuture<byte[]> received) {
        try (NetNs ns = NetNs.enter()) {
            try (ServerSocket listener = new ServerSocket()) {
                fd[0] = openVnetTun("grob0");
                address(ns, "grob0", version, self, peer);
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
                // The tun's descriptor is closed by the test once the bridge has stopped using it.
                bridgeDone.await(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            received.completeExceptionally(e);
        }
    }

    private static void address(NetNs ns, String dev, int version, String self, String peer) throws Exception {
        if (version == 4) {
            ns.ip("addr", "add", self, "peer", peer, "dev", dev);
        } else {
            ns.ip("-6", "addr", "add", self + "/64", "dev", dev, "nodad");
        }
        ns.ip("link", "set", dev, "mtu", "1500", "up");
    }

    /** A non-blocking tun with {@code IFF_VNET_HDR} in the calling thread's namespace. */
    private static int openVnetTun(String name) throws IOException {
        int fd = LibC.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(Errno.message("open /dev/net/tun", LibC.errno()));
        }
        ByteBuffer ifreq = DirectBuffers.allocateNative(40);
        ifreq.put(0, name.getBytes(StandardCharsets.US_ASCII));
        ifreq.putShort(16, (short) (LinuxTunDriver.IFF_TUN | LinuxTunDriver.IFF_NO_PI | IFF_VNET_HDR));
        if (LibC.ioctl(fd, TUNSETIFF, DirectBuffers.address(ifreq)) != 0) {
            int err = LibC.errno();
            LibC.close(fd);
            throw new IOException(Errno.message("TUNSETIFF " + name, err));
        }
        return fd;
    }

    /** Moves packets both ways between two vnet tuns, one thread, each direction through its own {@link GroWriter}. */
    private static final class Bridge extends Thread {
        final int fdA;
        final int fdB;
        final GroWriter toA = new GroWriter("groa0", 64, true);
        final GroWriter toB = new GroWriter("grob0", 64, true);
        final PacketBatch batch = PacketBatch.allocate(64, HEADROOM, HEADROOM + 2048);
        final long base = DirectBuffers.address(batch.backing());
        final ByteBuffer pollfds = DirectBuffers.allocateNative(2 * LibC.POLLFD_SIZE);
        volatile boolean running = true;
        volatile Throwable failure;
        long unexpected;

        Bridge(int fdA, int fdB) {
            super("gro-bridge");
            this.fdA = fdA;
            this.fdB = fdB;
            pollfds.putInt(0, fdA).putShort(4, (short) LibC.POLLIN);
            pollfds.putInt(8, fdB).putShort(12, (short) LibC.POLLIN);
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
                        forward(fdA, fdB, toB);
                    }
                    if ((pollfds.getShort(14) & LibC.POLLIN) != 0) {
                        forward(fdB, fdA, toA);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void forward(int from, int to, GroWriter writer) throws Exception {
            int count = 0;
            while (count < batch.capacity()) {
                batch.prepareSlot(count);
                long at = base + batch.slotOffset(count) + HEADROOM - VirtioNetHdr.LEN;
                long n = LibC.read(from, at, batch.slotSize() - HEADROOM + VirtioNetHdr.LEN);
                if (n <= VirtioNetHdr.LEN) {
                    break;
                }
                if (batch.backing().get(batch.slotOffset(count) + HEADROOM - VirtioNetHdr.LEN + 1) != 0) {
                    unexpected++;
                    continue;
                }
                batch.slot(count).limit(HEADROOM + (int) n - VirtioNetHdr.LEN);
                count++;
            }
            batch.count(count);
            GroWriter.Vectored out = new GroWriter.Vectored() {
                @Override
                public long writev(long iov, int iovcnt) {
                    return LibC.writev(to, iov, iovcnt);
                }

                @Override
                public int errno() {
                    return LibC.errno();
                }
            };
            int done = 0;
            for (int attempt = 0; done < count && attempt < 1000; attempt++) {
                done += writer.write(batch, done, base, out);
            }
            if (done < count) {
                throw new IllegalStateException("the tun kept refusing writes");
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
