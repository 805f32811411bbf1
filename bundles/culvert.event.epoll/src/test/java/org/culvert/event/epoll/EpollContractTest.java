package org.culvert.event.epoll;

import org.culvert.api.event.EventBackend;
import org.culvert.platform.linux.testing.PipeEventSetContract;

/** The test kit's event-set contract, run against the epoll backend with {@code pipe2} pairs. */
class EpollContractTest extends PipeEventSetContract {
    private final EpollEventBackend backend = new EpollEventBackend();

    @Override
    protected EventBackend backend() {
        return backend;
    }
}
