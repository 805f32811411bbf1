package org.culvert.tun.devnull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.contract.TunDeviceContract;
import org.culvert.testkit.contract.TunFixture;
import org.junit.jupiter.api.Test;

/**
 * The tun contract for the null device. The tests about closing and about reads never blocking apply
 * as they are and are inherited; those that expect the device to carry packets to and from an OS side
 * are overridden to assert the null device's own semantics instead: what is written is consumed in
 * full and discarded (counted), nothing is ever read, and there is no waitable.
 */
class NullTunDeviceContractTest extends TunDeviceContract {
    private final NullTunDriver driver = new NullTunDriver();

    @Override
    protected TunFixture openFixture() throws Exception {
        NullTunDevice device = (NullTunDevice) driver.open(TunSpec.builder(TunLayer.NULL).name("null").mtu(1400).build());
        Inet4Address tunnel = (Inet4Address) InetAddress.getByName("10.99.0.1");
        Inet4Address os = (Inet4Address) InetAddress.getByName("10.99.0.2");
        EventBackend backend = new MemoryEventBackend();
        return new TunFixture() {
            @Override
            public NullTunDevice device() {
                return device;
            }

            @Override
            public EventBackend backend() {
                return backend;
            }

            @Override
            public Inet4Address tunnelAddress() {
                return tunnel;
            }

            @Override
            public Inet4Address osAddress() {
                return os;
            }

            @Override
            public int osPort() {
                return 40_001;
            }

            /** There is no OS side that could send: the datagram goes nowhere, as with OpenVPN's null device. */
            @Override
            public void sendFromOs(byte[] payload) {
            }

            /** Nothing written ever reaches an OS side. */
            @Override
            public byte[] receiveAtOs(long timeoutMillis) {
                return null;
            }

            @Override
            public void close() {
                device.close();
            }
        };
    }

    private NullTunDevice nullDevice() {
        return (NullTunDevice) device();
    }

    @Test
    @Override
    public void describesItselfConsistently() {
        assertEquals("null", device().name());
        assertEquals(1400, device().mtu());
        assertEquals(TunLayer.NULL, device().layer());
        assertEquals(NullTunDevice.BATCH_SIZE, device().batchSize());
        assertNull(device().waitable(), "nothing to wait on: the loop waits on the link only");
    }

    @Test
    @Override
    public void readYieldsTheUdpPacketAtTheBatchHeadroom() throws Exception {
        fixture().sendFromOs(payload("single"));
        assertNothingRead(4);
    }

    @Test
    @Override
    public void severalPendingPacketsAreReadInOrderInOneBatch() throws Exception {
        for (int i = 0; i < 4; i++) {
            fixture().sendFromOs(payload("several-" + i));
        }
        for (int i = 0; i < 4; i++) {
            assertNothingRead(8);
        }
    }

    @Test
    @Override
    public void readNeverFillsMoreSlotsThanTheBatchHas() throws Exception {
        assertNothingRead(1);
    }

    @Test
    @Override
    public void waitableBecomesReadableThroughTheBackendAfterSendFromOs() throws Exception {
        // The loop calls prepareWait before every wait, also for a device it does not wait on.
        device().prepareWait(EventSet.READ);
        assertNull(device().waitable());
        assertNothingRead(4);
    }

    @Test
    @Override
    public void freshDeviceIsWritableThroughTheBackend() throws Exception {
        PacketBatch batch = newBatch(NullTunDevice.BATCH_SIZE);
        for (int i = 0; i < batch.capacity(); i++) {
            putPacket(batch, i, payload("full-" + i));
        }
        batch.count(batch.capacity());
        assertEquals(batch.capacity(), device().write(batch, 0), "a null device never refuses a write");
    }

    @Test
    @Override
    public void writtenPacketArrivesAtTheOsSide() throws Exception {
        PacketBatch batch = newBatch(1);
        putPacket(batch, 0, payload("write"));
        batch.count(1);
        assertEquals(1, device().write(batch, 0));
        assertEquals(1, nullDevice().discarded());
        assertNull(fixture().receiveAtOs(0));
    }

    @Test
    @Override
    public void writeStartsAtTheGivenSlotAndKeepsOrder() throws Exception {
        PacketBatch batch = newBatch(4);
        for (int i = 0; i < 4; i++) {
            putPacket(batch, i, payload("write-from-" + i));
        }
        batch.count(4);
        assertEquals(3, device().write(batch, 1), "slots 1..3");
        assertEquals(3, nullDevice().discarded());
        assertEquals(0, device().write(batch, 4), "nothing from the end");
        assertEquals(3, nullDevice().discarded());
    }

    @Test
    @Override
    public void malformedPacketsAreConsumedWithoutException() throws Exception {
        PacketBatch batch = newBatch(3);
        ByteBuffer empty = batch.prepareSlot(0);
        empty.limit(empty.position());
        ByteBuffer garbage = batch.prepareSlot(1);
        garbage.put(new byte[] { (byte) 0xFF, (byte) 0xFF, (byte) 0xFF });
        garbage.limit(garbage.position()).position(HEADROOM);
        putPacket(batch, 2, payload("after-malformed"));
        batch.count(3);
        assertEquals(3, device().write(batch, 0));
        assertEquals(3, nullDevice().discarded());
    }

    @Test
    void closingRemovesTheDeviceFromItsDriver() {
        assertEquals(1, driver.openCount());
        device().close();
        assertTrue(nullDevice().isClosed());
        assertEquals(0, driver.openCount());
        driver.deactivate();
    }

    /** A read returns 0, sets the count to 0 and leaves every slot as it was. */
    private void assertNothingRead(int capacity) throws Exception {
        PacketBatch batch = newBatch(capacity);
        ByteBuffer backing = batch.backing();
        for (int i = 0; i < capacity * batch.slotSize(); i++) {
            backing.put(i, (byte) 0x5A);
        }
        batch.count(capacity);
        assertEquals(0, device().read(batch));
        assertEquals(0, batch.count(), "read must set the batch's count");
        for (int i = 0; i < capacity * batch.slotSize(); i++) {
            assertEquals((byte) 0x5A, backing.get(i), "the null device wrote into the batch at " + i);
        }
    }
}
