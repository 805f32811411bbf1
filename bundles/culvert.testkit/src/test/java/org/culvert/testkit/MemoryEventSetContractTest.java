package org.culvert.testkit;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.SignalWaitable;
import org.culvert.testkit.contract.EventSetContract;
import org.culvert.testkit.contract.WaitableSource;

/** The memory event backend passes the event-set contract over plain signal waitables. */
class MemoryEventSetContractTest extends EventSetContract {
    private final MemoryEventBackend backend = new MemoryEventBackend();

    @Override
    protected EventBackend backend() {
        return backend;
    }

    @Override
    protected WaitableSource newSource() {
        SignalWaitable signal = new SignalWaitable("contract source", false, true);
        return new WaitableSource() {
            @Override
            public SignalWaitable waitable() {
                return signal;
            }

            @Override
            public void makeReadable() {
                signal.setReadable(true);
            }

            @Override
            public void drain() {
                signal.setReadable(false);
            }

            @Override
            public boolean makeUnwritable() {
                signal.setWritable(false);
                return true;
            }

            @Override
            public void makeWritable() {
                signal.setWritable(true);
            }

            @Override
            public void close() {
                // nothing to release
            }
        };
    }
}
