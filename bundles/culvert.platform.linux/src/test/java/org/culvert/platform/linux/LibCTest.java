package org.culvert.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class LibCTest {
    @Test
    void loadsOnThisMachine() {
        assertNull(NativeSupport.loadFailure());
        assertTrue(NativeSupport.isLoaded());
        assertEquals(ProcessHandle.current().pid(), LibC.getpid());
    }

    @Test
    void errnoIsCapturedPerCall() {
        ByteBuffer buf = DirectBuffers.allocateNative(16);
        assertEquals(-1, LibC.read(-1, DirectBuffers.address(buf), 16));
        assertEquals(Errno.EBADF, LibC.errno());
        assertEquals(-1, LibC.open("/nonexistent/culvert", LibC.O_RDONLY | LibC.O_CLOEXEC, 0));
        assertEquals(Errno.ENOENT, LibC.errno());
    }

    @Test
    void pipeRoundTripThroughRawAddresses() {
        int[] fds = new int[2];
        assertEquals(0, LibC.pipe2(fds, LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        try {
            ByteBuffer buf = DirectBuffers.allocateNative(64);
            long base = DirectBuffers.address(buf);
            buf.put(10, (byte) 'h').put(11, (byte) 'i');
            assertEquals(2, LibC.write(fds[1], base + 10, 2));
            assertEquals(2, LibC.read(fds[0], base + 40, 64 - 40));
            assertEquals('h', buf.get(40));
            assertEquals('i', buf.get(41));
            assertEquals(-1, LibC.read(fds[0], base, 64));
            assertEquals(Errno.EAGAIN, LibC.errno());
            int flags = LibC.fcntl(fds[0], LibC.F_GETFL, 0);
            assertTrue((flags & LibC.O_NONBLOCK) != 0);
            assertTrue((LibC.fcntl(fds[0], LibC.F_GETFD, 0) & LibC.FD_CLOEXEC) != 0);
        } finally {
            LibC.close(fds[0]);
            LibC.close(fds[1]);
        }
    }

    @Test
    void epollEventLayoutMatchesKernel() {
        int ep = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        assertTrue(ep >= 0, () -> Errno.message("epoll_create1", LibC.errno()));
        int[] fds = new int[2];
        assertEquals(0, LibC.pipe2(fds, LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        try {
            ByteBuffer ev = DirectBuffers.allocateNative(LibC.EPOLL_EVENT_SIZE * 4);
            long evAddr = DirectBuffers.address(ev);
            ev.putInt(0, LibC.EPOLLIN);
            ev.putLong(LibC.EPOLL_EVENT_DATA_OFFSET, 0x1234_5678_9ABCL);
            assertEquals(0, LibC.epoll_ctl(ep, LibC.EPOLL_CTL_ADD, fds[0], evAddr));
            assertEquals(0, LibC.epoll_wait(ep, evAddr, 4, 0));
            ByteBuffer one = DirectBuffers.allocateNative(1);
            assertEquals(1, LibC.write(fds[1], DirectBuffers.address(one), 1));
            ev.clear();
            assertEquals(1, LibC.epoll_wait(ep, evAddr, 4, 1000));
            assertEquals(LibC.EPOLLIN, ev.getInt(0));
            assertEquals(0x1234_5678_9ABCL, ev.getLong(LibC.EPOLL_EVENT_DATA_OFFSET));
        } finally {
            LibC.close(fds[0]);
            LibC.close(fds[1]);
            LibC.close(ep);
        }
    }

    @Test
    void pollReportsReadiness() {
        int[] fds = new int[2];
        assertEquals(0, LibC.pipe2(fds, LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        try {
            ByteBuffer pfd = DirectBuffers.allocateNative(LibC.POLLFD_SIZE * 2);
            long addr = DirectBuffers.address(pfd);
            pfd.putInt(0, fds[0]).putShort(4, (short) LibC.POLLIN);
            pfd.putInt(8, fds[1]).putShort(12, (short) LibC.POLLOUT);
            assertEquals(1, LibC.poll(addr, 2, 0));
            assertEquals(0, pfd.getShort(6));
            assertEquals(LibC.POLLOUT, pfd.getShort(14));
        } finally {
            LibC.close(fds[0]);
            LibC.close(fds[1]);
        }
    }

    @Test
    void errnoNames() {
        assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
        assertEquals("EBADF (bad file descriptor)", Errno.describe(9));
        assertEquals("errno 4095", Errno.name(4095));
        assertEquals("read: EINTR (interrupted system call)", Errno.message("read", Errno.EINTR));
    }

    @Test
    void directAddressRejectsHeapBuffers() {
        assertThrows(IllegalArgumentException.class, () -> DirectBuffers.address(ByteBuffer.allocate(4)));
        DirectBuffers.AddressCache cache = new DirectBuffers.AddressCache();
        ByteBuffer a = DirectBuffers.allocateNative(4);
        ByteBuffer b = DirectBuffers.allocateNative(4);
        long aa = cache.address(a);
        assertEquals(aa, cache.address(a));
        assertFalse(aa == cache.address(b));
        assertEquals(DirectBuffers.address(b), cache.address(b));
    }
}
