package org.culvert.event.poll;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.Waitable;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.FdRegistrations;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.WakeupFd;

/**
 * A {@code struct pollfd} array kept ready for {@code poll(2)}, plus an eventfd for {@link #wakeup()}.
 *
 * <p>Entry 0 of the native array is the wake-up eventfd; entry {@code i + 1} mirrors registration
 * {@code i} of the Java table ({@link FdRegistrations}: fd, tag, interest). A registration with interest 0 is written with
 * fd {@code -1}, which {@code poll} skips: it must report nothing, and {@code POLLHUP}/{@code POLLERR}
 * are reported even for an empty event mask.
 *
 * <p>Threading as {@link EventSet}: all but {@link #wakeup()} on the owning thread. Nothing here
 * allocates per wait or per {@link #ctl}.
 */
final class PollEventSet implements EventSet {
    private static final int SIZE = LibC.POLLFD_SIZE;
    private static final int FD = 0;
    private static final int EVENTS = 4;
    private static final int REVENTS = 6;

    private final WakeupFd wakeupFd;
    private ByteBuffer pollfds;
    private long pollfdsAddress;

    private final FdRegistrations table;
    private volatile boolean closed;

    PollEventSet(int maxEvents) throws IOException {
        wakeupFd = new WakeupFd();
        table = new FdRegistrations(maxEvents);
        allocatePollfds(maxEvents + 1);
    }

    @Override
    public void ctl(Waitable waitable, int interest, int tag) throws IOException {
        int fd = requireFd(waitable);
        if ((interest & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("interest " + interest + " (READ=1, WRITE=2)");
        }
        if (closed) {
            throw new IOException("poll set is closed");
        }
        int i = table.indexOf(fd);
        if (i < 0) {
            i = append(fd);
        }
        table.set(i, interest, tag);
        writeEntry(i);
    }

    @Override
    public void del(Waitable waitable) {
        if (!(waitable instanceof FdWaitable) || closed) {
            return;
        }
        int i = table.indexOf(((FdWaitable) waitable).fd());
        if (i < 0) {
            return;
        }
        table.removeAt(i);
        if (i < table.size()) {
            // The last registration moved into slot i.
            writeEntry(i);
        }
    }

    @Override
    public void reset() {
        table.clear();
    }

    @Override
    public int wait(long timeoutMillis, ReadyEvents out) throws IOException {
        out.clear();
        if (closed) {
            return 0;
        }
        int n = LibC.poll(pollfdsAddress, table.size() + 1L, FdRegistrations.toPollTimeout(timeoutMillis));
        if (n < 0) {
            int err = LibC.errno();
            if (err == Errno.EINTR) {
                return 0;
            }
            throw new IOException(Errno.message("poll", err));
        }
        if (n == 0) {
            return 0;
        }
        if (pollfds.getShort(REVENTS) != 0) {
            wakeupFd.drain();
        }
        for (int i = 0, size = table.size(); i < size; i++) {
            int ready = pollfds.getShort((i + 1) * SIZE + REVENTS);
            if (ready == 0) {
                continue;
            }
            int interest = table.interest(i);
            int flags = 0;
            if ((ready & (LibC.POLLIN | LibC.POLLPRI)) != 0) {
                flags |= READ;
            }
            if ((ready & LibC.POLLOUT) != 0) {
                flags |= WRITE;
            }
            if ((ready & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
                // Report errors as the interest so the caller's next read/write surfaces them.
                flags |= interest;
            }
            flags &= interest;
            if (flags != 0) {
                out.add(table.tag(i), flags);
            }
        }
        return out.size();
    }

    @Override
    public void wakeup() {
        wakeupFd.signal();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        table.clear();
        wakeupFd.close();
    }

    @Override
    public String toString() {
        return "poll set (" + table.size() + " registered" + (closed ? ", closed)" : ")");
    }

    private static int requireFd(Waitable waitable) {
        if (!(waitable instanceof FdWaitable)) {
            throw new IllegalArgumentException("poll waits only on POSIX file descriptors, not "
                    + (waitable == null ? "null" : waitable.kind() + " " + waitable));
        }
        return ((FdWaitable) waitable).fd();
    }

    private void writeEntry(int i) {
        int offset = (i + 1) * SIZE;
        int interest = table.interest(i);
        int mask = ((interest & READ) != 0 ? LibC.POLLIN : 0) | ((interest & WRITE) != 0 ? LibC.POLLOUT : 0);
        pollfds.putInt(offset + FD, interest == 0 ? -1 : table.fd(i));
        pollfds.putShort(offset + EVENTS, (short) mask);
        pollfds.putShort(offset + REVENTS, (short) 0);
    }

    /** Appends {@code fd} to the table, growing the native array with it (entries copied, wake-up first). */
    private int append(int fd) {
        int capacity = table.capacity();
        int i = table.append(fd);
        if (table.capacity() != capacity) {
            ByteBuffer old = pollfds;
            allocatePollfds(table.capacity() + 1);
            for (int b = 0; b < (i + 1) * SIZE; b++) {
                pollfds.put(b, old.get(b));
            }
        }
        return i;
    }

    private void allocatePollfds(int capacity) {
        pollfds = DirectBuffers.allocateNative(capacity * SIZE);
        pollfdsAddress = DirectBuffers.address(pollfds);
        pollfds.putInt(FD, wakeupFd.fd());
        pollfds.putShort(EVENTS, (short) LibC.POLLIN);
    }
}
