package org.culvert.event.epoll;

import org.culvert.api.event.EventBackend;
import org.culvert.platform.linux.testing.SocketPairEventSetContract;

/** The event-set contract with a Unix socket pair (read and write readiness of one descriptor), against epoll. */
class EpollSocketPairContractTest extends SocketPairEventSetContract {
    private final EpollEventBackend backend = new EpollEventBackend();

    @Override
    protected EventBackend backend() {
        return backend;
    }
}
