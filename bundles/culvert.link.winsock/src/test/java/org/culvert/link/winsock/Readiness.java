package org.culvert.link.winsock;

import java.io.IOException;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkSocket;

/** Waits for a link socket's readiness through an event backend, as a tunnel loop does: prepareWait, then wait. */
final class Readiness implements AutoCloseable {
    private final EventSet set;
    private final ReadyEvents ready = new ReadyEvents(2);
    private final LinkSocket socket;

    Readiness(EventBackend backend, LinkSocket socket, int interest) throws IOException {
        this.socket = socket;
        this.set = backend.open(2);
        set.ctl(socket.waitable(), interest, 0);
    }

    /** @return the flags reported within {@code millis}, 0 if none */
    int await(int interest, long millis) throws IOException {
        set.ctl(socket.waitable(), interest, 0);
        socket.prepareWait(interest);
        set.wait(millis, ready);
        return ready.flagsFor(0);
    }

    @Override
    public void close() {
        set.close();
    }
}
