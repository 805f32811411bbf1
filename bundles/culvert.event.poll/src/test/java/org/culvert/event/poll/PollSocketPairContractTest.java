package org.culvert.event.poll;

import org.culvert.api.event.EventBackend;
import org.culvert.platform.linux.testing.SocketPairEventSetContract;

/** The event-set contract with a Unix socket pair (read and write readiness of one descriptor), against poll. */
class PollSocketPairContractTest extends SocketPairEventSetContract {
    private final PollEventBackend backend = new PollEventBackend();

    @Override
    protected EventBackend backend() {
        return backend;
    }
}
