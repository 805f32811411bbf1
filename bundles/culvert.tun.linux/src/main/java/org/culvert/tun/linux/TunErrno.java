package org.culvert.tun.linux;

import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunException.Reason;
import org.culvert.platform.linux.Errno;

/** What a failed tun read or write does next, by {@code errno}: shared by the plain and the offload paths. */
final class TunErrno {
    /** Interrupted: the same call again. */
    static final int RETRY = 0;
    /** Nothing more now ({@code EAGAIN}; {@code ENOBUFS} on write): stop and report what was done. */
    static final int STOP = 1;
    /** This one packet is refused or too large: drop it and go on. */
    static final int SKIP = 2;
    /** The device failed: throw {@link #failure}. */
    static final int FAIL = 3;

    private TunErrno() {
    }

    static int onRead(int err) {
        if (err == Errno.EAGAIN) {
            return STOP;
        }
        if (err == Errno.EINTR) {
            return RETRY;
        }
        // Should the kernel fail the read of a packet that does not fit (rather than cut it), drop it.
        return err == Errno.EFAULT || err == Errno.EMSGSIZE ? SKIP : FAIL;
    }

    static int onWrite(int err) {
        if (err == Errno.EINTR) {
            return RETRY;
        }
        if (err == Errno.EAGAIN || err == Errno.ENOBUFS) {
            return STOP;
        }
        return err == Errno.EINVAL || err == Errno.EFAULT || err == Errno.EMSGSIZE ? SKIP : FAIL;
    }

    static TunException failure(String operation, String device, int err) {
        Reason reason = err == Errno.EBADF || err == Errno.EBADFD ? Reason.CLOSED : Reason.IO_ERROR;
        return new TunException(reason, Errno.message(operation + " " + device, err));
    }
}
