package org.culvert.platform.linux.testing;

import java.nio.ByteBuffer;

import org.culvert.api.event.FdWaitable;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;

/**
 * A non-blocking {@code pipe2} pair for driving readiness in the Linux event backends' tests. Used
 * by one test thread; each end is closed at most once, and {@link #close()} closes what is left.
 */
public final class Pipe implements AutoCloseable {
    public final int readFd;
    public final int writeFd;
    public final FdWaitable readEnd;
    public final FdWaitable writeEnd;
    private final ByteBuffer buf = DirectBuffers.allocateNative(65536);
    private final long addr = DirectBuffers.address(buf);
    private boolean readClosed;
    private boolean writeClosed;

    public Pipe() {
        int[] fds = new int[2];
        if (LibC.pipe2(fds, LibC.O_NONBLOCK | LibC.O_CLOEXEC) != 0) {
            throw new IllegalStateException(Errno.message("pipe2", LibC.errno()));
        }
        readFd = fds[0];
        writeFd = fds[1];
        readEnd = new FdWaitable(readFd);
        writeEnd = new FdWaitable(writeFd);
    }

    public void writeByte() {
        if (LibC.write(writeFd, addr, 1) != 1) {
            throw new IllegalStateException(Errno.message("write", LibC.errno()));
        }
    }

    public void drain() {
        while (LibC.read(readFd, addr, buf.capacity()) > 0) {
            // keep reading until EAGAIN
        }
    }

    public void fill() {
        while (LibC.write(writeFd, addr, buf.capacity()) > 0) {
            // keep writing until EAGAIN
        }
    }

    public void closeWriteEnd() {
        if (!writeClosed) {
            writeClosed = true;
            LibC.close(writeFd);
        }
    }

    public void closeReadEnd() {
        if (!readClosed) {
            readClosed = true;
            LibC.close(readFd);
        }
    }

    @Override
    public void close() {
        closeReadEnd();
        closeWriteEnd();
    }
}
