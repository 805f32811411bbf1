package org.culvert.platform.linux.testing;

import java.nio.ByteBuffer;

import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.Waitable;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.testkit.contract.EventSetContract;
import org.culvert.testkit.contract.WaitableSource;

/**
 * The event-set contract again with one bidirectional descriptor (a Unix socket pair), so that
 * read and write readiness of the same waitable are covered too; a Linux backend's test subclasses
 * it and supplies only {@link #backend()}.
 */
public abstract class SocketPairEventSetContract extends EventSetContract {
    @Override
    protected WaitableSource newSource() {
        return new SocketPairSource();
    }

    /** End A is the waitable; end B is the peer that makes A readable or soaks up what A sends. */
    private static final class SocketPairSource implements WaitableSource {
        private final int a;
        private final int b;
        private final FdWaitable waitable;
        private final ByteBuffer buf = DirectBuffers.allocateNative(65536);
        private final long addr = DirectBuffers.address(buf);

        SocketPairSource() {
            int[] sv = new int[2];
            if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0, sv) != 0) {
                throw new IllegalStateException(Errno.message("socketpair", LibC.errno()));
            }
            a = sv[0];
            b = sv[1];
            waitable = new FdWaitable(a);
        }

        @Override
        public Waitable waitable() {
            return waitable;
        }

        @Override
        public void makeReadable() {
            if (LibC.write(b, addr, 1) != 1) {
                throw new IllegalStateException(Errno.message("write", LibC.errno()));
            }
        }

        @Override
        public void drain() {
            while (LibC.read(a, addr, buf.capacity()) > 0) {
                // until EAGAIN
            }
        }

        @Override
        public boolean makeUnwritable() {
            while (LibC.write(a, addr, buf.capacity()) > 0) {
                // until A's send and B's receive buffers are full
            }
            return true;
        }

        @Override
        public void makeWritable() {
            while (LibC.read(b, addr, buf.capacity()) > 0) {
                // until EAGAIN
            }
        }

        @Override
        public void close() {
            LibC.close(a);
            LibC.close(b);
        }
    }
}
