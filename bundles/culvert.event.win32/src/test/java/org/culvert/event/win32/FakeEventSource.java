package org.culvert.event.win32;

import org.culvert.api.event.Waitable;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.platform.win32.fake.FakeKernel32;
import org.culvert.testkit.contract.WaitableSource;

/**
 * A {@link WaitableSource} of fake Windows events shaped like a TAP device's: a manual-reset read
 * event (set = data ready) and a manual-reset write event (set = writable, as an idle overlapped
 * write's event is).
 */
final class FakeEventSource implements WaitableSource {
    private final FakeKernel32 k32;
    private final long readEvent;
    private final long writeEvent;
    private final Win32EventWaitable waitable;

    FakeEventSource(FakeKernel32 k32) {
        this.k32 = k32;
        readEvent = k32.createEvent(true, false);
        writeEvent = k32.createEvent(true, true);
        waitable = new Win32EventWaitable(readEvent, writeEvent);
    }

    @Override
    public Waitable waitable() {
        return waitable;
    }

    @Override
    public void makeReadable() {
        k32.setEvent(readEvent);
    }

    @Override
    public void drain() {
        k32.resetEvent(readEvent);
    }

    @Override
    public boolean makeUnwritable() {
        return k32.resetEvent(writeEvent);
    }

    @Override
    public void makeWritable() {
        k32.setEvent(writeEvent);
    }

    @Override
    public void close() {
        k32.closeHandle(readEvent);
        k32.closeHandle(writeEvent);
    }
}
