package org.culvert.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class NativeFdTest {
    private static final ByteBuffer ONE = DirectBuffers.allocateNative(1);

    /**
     * Whether the pipe's read end is still open, asked through its write end: a write to a pipe
     * with no reader fails with EPIPE (the JVM ignores SIGPIPE). Unlike probing the read end's
     * number, this cannot be fooled by another thread reusing that number.
     */
    private static boolean readEndOpen(int writeFd) {
        long n = LibC.write(writeFd, DirectBuffers.address(ONE), 1);
        if (n == 1) {
            return true;
        }
        assertEquals(Errno.EPIPE, LibC.errno());
        return false;
    }

    private static int[] pipe() {
        int[] fds = new int[2];
        assertEquals(0, LibC.pipe2(fds, LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        return fds;
    }

    @Test
    void closeIsIdempotentAndRefusesNewUsers() {
        int[] fds = pipe();
        NativeFd fd = new NativeFd(fds[0]);
        assertTrue(fd.acquire());
        fd.release();
        fd.close();
        assertTrue(fd.isClosed());
        assertFalse(readEndOpen(fds[1]));
        fd.close();
        assertFalse(fd.acquire());
        LibC.close(fds[1]);
    }

    @Test
    void closeDuringUseIsDeferredUntilRelease() {
        int[] fds = pipe();
        NativeFd fd = new NativeFd(fds[0]);
        assertTrue(fd.acquire());
        assertTrue(fd.acquire());
        fd.close();
        assertTrue(readEndOpen(fds[1]), "still in use: must stay open");
        assertFalse(fd.acquire());
        fd.release();
        assertTrue(readEndOpen(fds[1]));
        fd.release();
        assertFalse(readEndOpen(fds[1]), "last user closes it");
        LibC.close(fds[1]);
    }

    @Test
    void rejectsNegativeFd() {
        assertThrows(IllegalArgumentException.class, () -> new NativeFd(-1));
    }

    @Test
    void concurrentUseAndCloseNeverTouchAReleasedNumber() throws Exception {
        for (int round = 0; round < 200; round++) {
            int[] fds = pipe();
            NativeFd fd = new NativeFd(fds[0]);
            AtomicBoolean badUse = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            ByteBuffer buf = DirectBuffers.allocateNative(8);
            long addr = DirectBuffers.address(buf);
            Thread reader = new Thread(() -> {
                try {
                    started.countDown();
                    while (fd.acquire()) {
                        try {
                            if (LibC.read(fd.fd(), addr, 8) < 0 && LibC.errno() == Errno.EBADF) {
                                badUse.set(true);
                            }
                        } finally {
                            fd.release();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            assertTrue(started.await(5, TimeUnit.SECONDS));
            fd.close();
            reader.join(5000);
            assertFalse(reader.isAlive());
            assertEquals(null, failure.get());
            assertFalse(badUse.get(), "a read saw EBADF: it used a closed descriptor");
            assertFalse(readEndOpen(fds[1]));
            LibC.close(fds[1]);
        }
    }

    @Test
    void wakeupFdSignalsAndDrains() throws Exception {
        WakeupFd w = new WakeupFd();
        try {
            ByteBuffer pfd = DirectBuffers.allocateNative(LibC.POLLFD_SIZE);
            long addr = DirectBuffers.address(pfd);
            pfd.putInt(0, w.fd()).putShort(4, (short) LibC.POLLIN);
            assertEquals(0, LibC.poll(addr, 1, 0));
            w.signal();
            w.signal();
            assertEquals(1, LibC.poll(addr, 1, 0));
            w.drain();
            assertEquals(0, LibC.poll(addr, 1, 0));
        } finally {
            w.close();
        }
        w.signal();
        w.drain();
        w.close();
    }
}
