package org.culvert.event.win32;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.culvert.api.event.EventBackend;
import org.culvert.platform.win32.fake.FakeKernel32;
import org.culvert.testkit.contract.EventSetContract;
import org.culvert.testkit.contract.WaitableSource;
import org.junit.jupiter.api.AfterEach;

/** The test kit's event-set contract, run on the win32 backend over the fake kernel32's events. */
class Win32EventSetContractTest extends EventSetContract {
    private final FakeKernel32 k32 = new FakeKernel32();
    private final Win32EventBackend backend = new Win32EventBackend(k32);

    @Override
    protected EventBackend backend() {
        return backend;
    }

    @Override
    protected WaitableSource newSource() {
        return new FakeEventSource(k32);
    }

    /** Runs the contract's cleanup first (a subclass's own @AfterEach would run before it). */
    @Override
    @AfterEach
    public void closeEventResources() throws Exception {
        super.closeEventResources();
        assertEquals(0, k32.violations().size(), () -> k32.violations().toString());
        assertEquals(0, k32.openHandles(), "handles left open after every set and source was closed");
    }
}
