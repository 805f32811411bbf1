package org.culvert.event.epoll;

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
import org.culvert.platform.linux.NativeFd;
import org.culvert.platform.linux.WakeupFd;

/**
 * One epoll instance plus an eventfd for {@link #wakeup()}.
 *
 * <p>The set keeps its own table of registrations ({@link FdRegistrations}: fd, tag, interest): the
 * kernel's {@code epoll_event.data} carries the fd, and {@link #wait} maps it back to the tag. A registration
 * with interest 0 is kept only in the table and removed from the kernel, because epoll reports
 * {@code EPOLLERR}/{@code EPOLLHUP} even for an empty mask and a level-triggered hang-up would
 * otherwise make every wait return at once.
 *
 * <p>Threading as {@link EventSet}: all but {@link #wakeup()} on the owning thread. {@link #ctl}
 * with an unchanged interest makes no system call, and {@link #wait} allocates nothing.
 */
final class EpollEventSet implements EventSet {
    private static final int SIZE = LibC.EPOLL_EVENT_SIZE;
    private static final int DATA = LibC.EPOLL_EVENT_DATA_OFFSET;

    private final NativeFd epfd;
    private final WakeupFd wakeupFd;
    /** One {@code struct epoll_event} for {@code epoll_ctl}. */
    private final ByteBuffer ctlEvent = DirectBuffers.allocateNative(16);
    private final long ctlEventAddress = DirectBuffers.address(ctlEvent);
    /** {@code epoll_wait}'s output array; room for every registration plus the wake-up fd. */
    private ByteBuffer events;
    private long eventsAddress;
    private int eventsCapacity;

    private final FdRegistrations table;
    private volatile boolean closed;

    EpollEventSet(int maxEvents) throws IOException {
        int ep = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (ep < 0) {
            throw new IOException(Errno.message("epoll_create1", LibC.errno()));
        }
        epfd = new NativeFd(ep);
        try {
            wakeupFd = new WakeupFd();
        } catch (IOException e) {
            epfd.close();
            throw e;
        }
        table = new FdRegistrations(maxEvents);
        allocateEvents(maxEvents + 1);
        int err = epollCtl(LibC.EPOLL_CTL_ADD, wakeupFd.fd(), LibC.EPOLLIN);
        if (err != 0) {
            close();
            throw new IOException(Errno.message("epoll_ctl ADD wake-up eventfd", err));
        }
    }

    @Override
    public void ctl(Waitable waitable, int interest, int tag) throws IOException {
        int fd = requireFd(waitable);
        if ((interest & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("interest " + interest + " (READ=1, WRITE=2)");
        }
        checkOpen();
        int i = table.indexOf(fd);
        if (i >= 0 && table.interest(i) == interest) {
            table.set(i, interest, tag);
            return;
        }
        int old = i >= 0 ? table.interest(i) : 0;
        if (interest != 0) {
            int err = epollCtl(old == 0 ? LibC.EPOLL_CTL_ADD : LibC.EPOLL_CTL_MOD, fd, toEpoll(interest));
            if (err == Errno.EEXIST) {
                // Registered in the kernel but not in our table (e.g. a number reused after close).
                err = epollCtl(LibC.EPOLL_CTL_MOD, fd, toEpoll(interest));
            } else if (err == Errno.ENOENT) {
                // Our table had it but the kernel dropped it when its file was closed.
                err = epollCtl(LibC.EPOLL_CTL_ADD, fd, toEpoll(interest));
            }
            if (err != 0) {
                throw new IOException(Errno.message("epoll_ctl " + waitable, err));
            }
        } else if (old != 0) {
            epollDel(fd);
        }
        if (i < 0) {
            i = table.append(fd);
            if (eventsCapacity < table.capacity() + 1) {
                allocateEvents(table.capacity() + 1);
            }
        }
        table.set(i, interest, tag);
    }

    @Override
    public void del(Waitable waitable) throws IOException {
        if (!(waitable instanceof FdWaitable) || closed) {
            return;
        }
        int fd = ((FdWaitable) waitable).fd();
        int i = table.indexOf(fd);
        if (i < 0) {
            return;
        }
        boolean inKernel = table.interest(i) != 0;
        table.removeAt(i);
        if (inKernel) {
            int err = epollDel(fd);
            if (err != 0) {
                throw new IOException(Errno.message("epoll_ctl DEL " + waitable, err));
            }
        }
    }

    @Override
    public void reset() throws IOException {
        if (closed) {
            return;
        }
        for (int i = 0; i < table.size(); i++) {
            if (table.interest(i) != 0) {
                epollDel(table.fd(i));
            }
        }
        table.clear();
    }

    @Override
    public int wait(long timeoutMillis, ReadyEvents out) throws IOException {
        out.clear();
        if (!epfd.acquire()) {
            return 0;
        }
        int n;
        try {
            n = LibC.epoll_wait(epfd.fd(), eventsAddress, eventsCapacity, FdRegistrations.toPollTimeout(timeoutMillis));
        } finally {
            epfd.release();
        }
        if (n < 0) {
            int err = LibC.errno();
            if (err == Errno.EINTR) {
                return 0;
            }
            throw new IOException(Errno.message("epoll_wait", err));
        }
        int wakeFd = wakeupFd.fd();
        for (int e = 0; e < n; e++) {
            int offset = e * SIZE;
            int ready = events.getInt(offset);
            int fd = (int) events.getLong(offset + DATA);
            if (fd == wakeFd) {
                wakeupFd.drain();
                continue;
            }
            int i = table.indexOf(fd);
            if (i < 0) {
                continue;
            }
            int interest = table.interest(i);
            int flags = 0;
            if ((ready & (LibC.EPOLLIN | LibC.EPOLLPRI | LibC.EPOLLRDHUP)) != 0) {
                flags |= READ;
            }
            if ((ready & LibC.EPOLLOUT) != 0) {
                flags |= WRITE;
            }
            if ((ready & (LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) {
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
        epfd.close();
        wakeupFd.close();
    }

    @Override
    public String toString() {
        return "epoll set (" + table.size() + " registered" + (closed ? ", closed)" : ")");
    }

    private static int requireFd(Waitable waitable) {
        if (!(waitable instanceof FdWaitable)) {
            throw new IllegalArgumentException("epoll waits only on POSIX file descriptors, not "
                    + (waitable == null ? "null" : waitable.kind() + " " + waitable));
        }
        return ((FdWaitable) waitable).fd();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("epoll set is closed");
        }
    }

    private static int toEpoll(int interest) {
        return ((interest & READ) != 0 ? LibC.EPOLLIN : 0) | ((interest & WRITE) != 0 ? LibC.EPOLLOUT : 0);
    }

    /** @return 0 or the errno */
    private int epollCtl(int op, int fd, int mask) {
        ctlEvent.putInt(0, mask);
        ctlEvent.putLong(DATA, fd);
        return LibC.epoll_ctl(epfd.fd(), op, fd, ctlEventAddress) == 0 ? 0 : LibC.errno();
    }

    /** Removes {@code fd} from the kernel set; a file already closed (ENOENT, EBADF) is not an error. */
    private int epollDel(int fd) {
        int err = LibC.epoll_ctl(epfd.fd(), LibC.EPOLL_CTL_DEL, fd, ctlEventAddress) == 0 ? 0 : LibC.errno();
        return err == Errno.ENOENT || err == Errno.EBADF ? 0 : err;
    }

    private void allocateEvents(int capacity) {
        events = DirectBuffers.allocateNative(capacity * SIZE);
        eventsAddress = DirectBuffers.address(events);
        eventsCapacity = capacity;
    }
}
