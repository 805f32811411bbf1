package org.culvert.event.epoll;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.platform.linux.testing.FdEventSetTest;
import org.culvert.platform.linux.testing.Pipe;
import org.junit.jupiter.api.Test;

/**
 * Focused tests of the epoll set: the ones shared with poll ({@link FdEventSetTest}) plus where epoll
 * differs; the test kit's contract tests run in {@code EpollContractTest}.
 */
class EpollEventSetTest extends FdEventSetTest {
    @Override
    protected EventBackend newBackend() {
        return new EpollEventBackend();
    }

    @Test
    void ctlOfAClosedDescriptorFailsWithErrno() {
        Pipe p = pipe();
        p.close();
        IOException e = assertThrows(IOException.class, () -> set.ctl(p.readEnd, EventSet.READ, 1));
        assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
    }
}
