package org.culvert.event.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.platform.linux.testing.FdEventSetTest;
import org.culvert.platform.linux.testing.Pipe;
import org.junit.jupiter.api.Test;

/**
 * Focused tests of the poll set: the ones shared with epoll ({@link FdEventSetTest}) plus where poll
 * differs; the test kit's contract tests run in {@code PollContractTest}.
 */
class PollEventSetTest extends FdEventSetTest {
    @Override
    protected EventBackend newBackend() {
        return new PollEventBackend();
    }

    @Test
    void aClosedDescriptorIsReportedAsTheInterestSoTheCallerSeesEbadf() throws IOException {
        Pipe p = pipe();
        p.close();
        set.ctl(p.readEnd, EventSet.READ, 1);
        assertEquals(1, set.wait(0, out), "POLLNVAL is reported");
        assertEquals(EventSet.READ, out.flagsFor(1));
        set.ctl(p.readEnd, 0, 1);
        assertEquals(0, set.wait(0, out));
    }
}
