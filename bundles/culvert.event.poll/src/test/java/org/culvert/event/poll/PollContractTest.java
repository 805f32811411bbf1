package org.culvert.event.poll;

import org.culvert.api.event.EventBackend;
import org.culvert.platform.linux.testing.PipeEventSetContract;

/** The test kit's event-set contract, run against the poll backend with {@code pipe2} pairs. */
class PollContractTest extends PipeEventSetContract {
    private final PollEventBackend backend = new PollEventBackend();

    @Override
    protected EventBackend backend() {
        return backend;
    }
}
