package org.culvert.tun.tapwindows6;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.culvert.testkit.contract.TunDeviceContract;
import org.culvert.testkit.contract.TunFixture;
import org.junit.jupiter.api.AfterEach;

/** The test kit's tun-device contract, run on the TAP-Windows6 driver over the fake native layer. */
class TapWindows6DeviceContractTest extends TunDeviceContract {
    private TapFixture fixture;

    @Override
    protected TunFixture openFixture() throws Exception {
        fixture = new TapFixture().open();
        return fixture;
    }

    /** After the contract's own cleanup: nothing misused, nothing left open. */
    @Override
    @AfterEach
    public void closeTunFixture() throws Exception {
        super.closeTunFixture();
        assertEquals(0, fixture.k32.violations().size(), () -> fixture.k32.violations().toString());
        assertEquals(0, fixture.k32.openHandles(), "handles left open after close");
    }
}
