package org.culvert.tun.wintun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.culvert.testkit.contract.TunDeviceContract;
import org.culvert.testkit.contract.TunFixture;
import org.junit.jupiter.api.AfterEach;

/** The test kit's tun-device contract, run on the Wintun driver over the fake wintun.dll and kernel32. */
class WintunDeviceContractTest extends TunDeviceContract {
    private WintunFixture fixture;

    @Override
    protected TunFixture openFixture() throws Exception {
        fixture = new WintunFixture().open();
        return fixture;
    }

    /** After the contract's own cleanup: nothing misused, nothing left open, the created adapter gone. */
    @Override
    @AfterEach
    public void closeTunFixture() throws Exception {
        super.closeTunFixture();
        assertEquals(0, fixture.k32.violations().size(), () -> fixture.k32.violations().toString());
        assertEquals(0, fixture.wintun.violations().size(), () -> fixture.wintun.violations().toString());
        assertEquals(0, fixture.k32.openHandles(), "handles left open after close");
        assertEquals(false, fixture.wintun.adapterExists("Culvert"), "the adapter this driver created must be removed on close");
    }
}
