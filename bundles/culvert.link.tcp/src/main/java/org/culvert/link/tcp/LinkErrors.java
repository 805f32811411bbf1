package org.culvert.link.tcp;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.platform.linux.Errno;

/** Turns a failed socket call's {@code errno} into a {@link LinkException} with the matching reason. */
final class LinkErrors {
    private LinkErrors() {
    }

    /** @param what the call and its subject, e.g. {@code "bind 0.0.0.0:1194"}; never key material */
    static LinkException of(String what, int errno) {
        return new LinkException(reason(errno), Errno.message(what, errno));
    }

    static Reason reason(int errno) {
        switch (errno) {
            case Errno.EADDRINUSE:
                return Reason.ADDRESS_IN_USE;
            case Errno.ECONNREFUSED:
                return Reason.CONNECTION_REFUSED;
            case Errno.EACCES:
            case Errno.EPERM:
                return Reason.PERMISSION_DENIED;
            case Errno.ECONNRESET:
            case Errno.EPIPE:
            case Errno.ECONNABORTED:
            case Errno.ETIMEDOUT:
                return Reason.CONNECTION_RESET;
            case Errno.EAFNOSUPPORT:
            case Errno.EPROTONOSUPPORT:
                return Reason.UNSUPPORTED;
            default:
                return Reason.IO_ERROR;
        }
    }

    static LinkException closed() {
        return new LinkException(Reason.CLOSED, "tcp link socket is closed");
    }
}
