package org.culvert.api.event;

/** A POSIX file descriptor, waited on for readability and writability. */
public final class FdWaitable implements Waitable {
    private final int fd;

    public FdWaitable(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd);
        }
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    @Override
    public HandleKind kind() {
        return HandleKind.POSIX_FD;
    }

    @Override
    public String toString() {
        return "fd " + fd;
    }
}
