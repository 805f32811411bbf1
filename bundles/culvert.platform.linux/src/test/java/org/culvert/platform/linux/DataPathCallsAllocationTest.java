package org.culvert.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The direct-mapped calls of the data path allocate nothing per call: {@code write}/{@code read} on
 * an eventfd, {@code epoll_wait} on a ready fd, {@code sendmmsg}/{@code recvmmsg} over loopback and
 * {@code errno} after a failed call. JNA's interface mapping costs 128 B per call pair and a
 * {@code Buffer} argument more time (docs/benchmarks.md, "Per-packet costs"): this fails if a call on
 * the data path is moved to either, or given a per-call {@code Structure}/{@code Memory}.
 */
class DataPathCallsAllocationTest {
    private static final int CALLS = 20_000;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void eventfdWriteReadEpollAndErrnoAllocateNothing() {
        int efd = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        int epfd = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        assertTrue(efd >= 0 && epfd >= 0, "eventfd/epoll_create1: errno " + LibC.errno());
        try {
            ByteBuffer eight = DirectBuffers.allocateNative(8).putLong(0, 1);
            long eightAddress = DirectBuffers.address(eight);
            ByteBuffer event = DirectBuffers.allocateNative(LibC.EPOLL_EVENT_SIZE).putInt(0, LibC.EPOLLIN);
            assertEquals(0, LibC.epoll_ctl(epfd, LibC.EPOLL_CTL_ADD, efd, DirectBuffers.address(event)));
            long events = DirectBuffers.address(DirectBuffers.allocateNative(4 * LibC.EPOLL_EVENT_SIZE));
            double perCall = 0;
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < CALLS; i++) {
                    if (LibC.write(efd, eightAddress, 8) != 8 || LibC.epoll_wait(epfd, events, 4, 0) != 1
                            || LibC.read(efd, eightAddress, 8) != 8) {
                        throw new AssertionError("round trip failed at " + i + ": errno " + LibC.errno());
                    }
                    eight.putLong(0, 1);
                    // Empty now: the read fails with EAGAIN, and errno is read as the data path does.
                    if (LibC.read(efd, eightAddress, 8) != -1 || LibC.errno() != Errno.EAGAIN) {
                        throw new AssertionError("an empty eventfd was read at " + i);
                    }
                }
                perCall = (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / (5.0 * CALLS);
            }
            assertTrue(perCall < 1, perCall + " B allocated per call");
        } finally {
            LibC.close(epfd);
            LibC.close(efd);
        }
    }

    @Test
    void sendmmsgAndRecvmmsgAllocateNothing() {
        int batch = 8;
        int size = 1400;
        int receiver = udpSocket();
        int sender = udpSocket();
        try {
            ByteBuffer name = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
            ByteBuffer length = DirectBuffers.allocateNative(4).putInt(0, SockAddr.STORAGE_SIZE);
            assertEquals(0, Net.getsockname(receiver, DirectBuffers.address(name), DirectBuffers.address(length)));
            assertEquals(0, Net.connect(sender, DirectBuffers.address(name), length.getInt(0)));
            ByteBuffer packets = DirectBuffers.allocateNative(batch * size);
            ByteBuffer iovecs = DirectBuffers.allocateNative(batch * Net.IOVEC_SIZE);
            ByteBuffer headers = DirectBuffers.allocateNative(batch * Net.MMSGHDR_SIZE);
            long packetsAddress = DirectBuffers.address(packets);
            long iovecsAddress = DirectBuffers.address(iovecs);
            for (int i = 0; i < batch; i++) {
                iovecs.putLong(i * Net.IOVEC_SIZE + Net.IOV_BASE, packetsAddress + (long) i * size);
                iovecs.putLong(i * Net.IOVEC_SIZE + Net.IOV_LEN, size);
                headers.putLong(i * Net.MMSGHDR_SIZE + Net.MSG_IOV, iovecsAddress + (long) i * Net.IOVEC_SIZE);
                headers.putLong(i * Net.MMSGHDR_SIZE + Net.MSG_IOVLEN, 1);
            }
            long headersAddress = DirectBuffers.address(headers);
            int rounds = CALLS / 10;
            double perCall = 0;
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < rounds; i++) {
                    int sent = Net.sendmmsg(sender, headersAddress, batch, 0);
                    if (sent != batch) { // not assertEquals: its message would be built on every call
                        throw new AssertionError("sendmmsg sent " + sent + ": errno " + LibC.errno());
                    }
                    int received = 0;
                    while (received < sent) {
                        int n = Net.recvmmsg(receiver, headersAddress + (long) received * Net.MMSGHDR_SIZE,
                                sent - received, Net.MSG_DONTWAIT, 0);
                        if (n < 0 && LibC.errno() != Errno.EAGAIN) {
                            throw new AssertionError("recvmmsg: errno " + LibC.errno());
                        }
                        received += Math.max(n, 0);
                    }
                }
                perCall = (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / (2.0 * rounds);
            }
            assertTrue(perCall < 1, perCall + " B allocated per sendmmsg/recvmmsg");
        } finally {
            LibC.close(sender);
            LibC.close(receiver);
        }
    }

    private static int udpSocket() {
        int fd = Net.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, "socket: errno " + LibC.errno());
        ByteBuffer name = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        int length = SockAddr.encode(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                Net.AF_INET, name, 0);
        assertEquals(0, Net.bind(fd, DirectBuffers.address(name), length), "bind: errno " + LibC.errno());
        return fd;
    }
}
