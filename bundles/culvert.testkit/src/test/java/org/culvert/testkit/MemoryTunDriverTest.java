package org.culvert.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryTunDriverTest {
    private final List<MemoryTunDevice> opened = new ArrayList<>();

    @AfterEach
    void closeDevices() {
        opened.forEach(MemoryTunDevice::close);
    }

    private MemoryTunDevice open(MemoryTunDriver driver, TunLayer layer, String name) throws TunException {
        MemoryTunDevice d = driver.open(TunSpec.builder(layer).name(name).mtu(1400).build());
        opened.add(d);
        return d;
    }

    private static byte[] ipv4(int payloadLength) throws Exception {
        Inet4Address a = (Inet4Address) InetAddress.getByName("10.7.0.1");
        Inet4Address b = (Inet4Address) InetAddress.getByName("10.7.0.2");
        return Packets.ipv4Udp(a, 1, b, 2, new byte[payloadLength]);
    }

    private static void put(PacketBatch batch, int i, byte[] packet) {
        ByteBuffer slot = batch.prepareSlot(i);
        slot.put(packet);
        slot.limit(slot.position()).position(batch.headroom());
    }

    @Test
    void genericNamesTakeTheLowestFreeNumberAndExplicitNamesAreKept() throws Exception {
        MemoryTunDriver driver = new MemoryTunDriver();
        String[] names = { "mem0", "mem1", "mem2" };
        assertTrue(MemoryTunHub.names().isEmpty(), "a device leaked from another test: " + MemoryTunHub.names());
        MemoryTunDevice d0 = open(driver, TunLayer.TUN, "tun");
        MemoryTunDevice d1 = open(driver, TunLayer.TAP, "tap");
        MemoryTunDevice d2 = open(driver, TunLayer.TUN, null);
        assertEquals(names[0], d0.name());
        assertEquals(names[1], d1.name());
        assertEquals(names[2], d2.name());
        d1.close();
        assertEquals("mem1", open(driver, TunLayer.TUN, "tun").name(), "the lowest free number is reused");

        MemoryTunDevice custom = open(driver, TunLayer.TUN, "vpn-test");
        assertEquals("vpn-test", custom.name());
        assertEquals(1400, custom.mtu());
        assertEquals(TunLayer.TUN, custom.layer());
        assertSame(custom, MemoryTunHub.osSide("vpn-test").device());
    }

    @Test
    void aNameInUseIsRefusedAsBusy() throws Exception {
        MemoryTunDriver driver = new MemoryTunDriver();
        open(driver, TunLayer.TUN, "busy0");
        TunException e = assertThrows(TunException.class, () -> open(driver, TunLayer.TUN, "busy0"));
        assertEquals(TunException.Reason.DEVICE_BUSY, e.reason());
        assertEquals(1, driver.openCount(), "a refused open is not counted");
    }

    @Test
    void countsOpensAndClosesAndTheHubForgetsClosedDevices() throws Exception {
        MemoryTunDriver driver = new MemoryTunDriver();
        MemoryTunDevice a = open(driver, TunLayer.TUN, "count-a");
        MemoryTunDevice b = open(driver, TunLayer.TUN, "count-b");
        assertEquals(2, driver.openCount());
        assertEquals(0, driver.closeCount());
        assertEquals(2, driver.openDeviceCount());

        a.close();
        a.close();
        assertEquals(1, driver.closeCount(), "closing twice counts once");
        assertNull(MemoryTunHub.osSide("count-a"));
        assertNotNull(MemoryTunHub.osSide("count-b"));

        driver.closeAll();
        assertTrue(b.isClosed());
        assertEquals(2, driver.closeCount());
        assertEquals(0, driver.openDeviceCount());
        assertFalse(MemoryTunHub.names().contains("count-b"));
    }

    @Test
    void injectionIsBoundedAndRefusedWhenFull() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(3, 8), TunLayer.TUN, "bounded-in");
        MemoryTunOsSide os = d.osSide();
        for (int i = 0; i < 3; i++) {
            assertTrue(os.inject(ipv4(i)), "packet " + i);
        }
        assertEquals(0, os.injectRoom());
        assertFalse(os.inject(ipv4(9)), "the fourth packet exceeds the queue");
        assertEquals(3, os.pendingToDevice());

        PacketBatch batch = PacketBatch.allocate(8, 16, 1600);
        assertEquals(3, d.read(batch));
        for (int i = 0; i < 3; i++) {
            assertEquals(28 + i, batch.slot(i).remaining(), "packets are read in injection order");
        }
        assertTrue(os.inject(ipv4(0)), "room again after the device read");
    }

    @Test
    void aFullOutboundQueueStopsWritesAndMakesTheDeviceUnwritableUntilTheOsTakes() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(2, 8), TunLayer.TUN, "bounded-out");
        MemoryTunOsSide os = d.osSide();
        PacketBatch batch = PacketBatch.allocate(4, 16, 1600);
        for (int i = 0; i < 4; i++) {
            put(batch, i, ipv4(100 + i));
        }
        batch.count(4);
        EventSet set = new MemoryEventBackend().open(1);
        ReadyEvents ready = new ReadyEvents(1);
        set.ctl(d.waitable(), EventSet.WRITE, 5);

        assertEquals(2, d.write(batch, 0), "room for two");
        assertFalse(d.waitable().isWritable());
        assertEquals(0, set.wait(50, ready), "a full device must not be reported writable");
        assertEquals(0, d.write(batch, 2), "still full: would block");

        assertEquals(128, os.poll().length);
        assertEquals(EventSet.WRITE, set.wait(1_000, ready) == 1 ? ready.flags(0) : 0, "room again: writable");
        assertEquals(1, d.write(batch, 2));
        assertEquals(129, os.take(1_000).length);
        assertEquals(130, os.take(1_000).length);
        assertNull(os.poll());
        set.close();
    }

    @Test
    void writesAreLimitedToTheBatchSize() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(64, 2), TunLayer.TUN, "small-batch");
        PacketBatch batch = PacketBatch.allocate(5, 0, 1600);
        for (int i = 0; i < 5; i++) {
            put(batch, i, ipv4(i));
        }
        batch.count(5);
        assertEquals(2, d.batchSize());
        assertEquals(2, d.write(batch, 0));
        assertEquals(2, d.write(batch, 2));
        assertEquals(1, d.write(batch, 4));
        assertEquals(5, d.osSide().pendingFromDevice());
    }

    @Test
    void malformedWritesAreConsumedAndCountedNotPassedOn() throws Exception {
        MemoryTunDevice tun = open(new MemoryTunDriver(), TunLayer.TUN, "malformed");
        PacketBatch batch = PacketBatch.allocate(5, 8, 1600);
        put(batch, 0, new byte[0]);
        put(batch, 1, new byte[] { (byte) 0xF0, 1, 2, 3 });
        put(batch, 2, new byte[] { 0x45, 0, 0, 20 }); // version 4, shorter than a header
        put(batch, 3, new byte[39]); // version 0
        byte[] good = ipv4(3);
        put(batch, 4, good);
        batch.count(5);

        assertEquals(5, tun.write(batch, 0));
        assertEquals(4, tun.malformedWrites());
        assertArrayEquals(good, tun.osSide().poll());
        assertNull(tun.osSide().poll(), "only the well-formed packet reached the OS side");
    }

    @Test
    void tapDevicesCarryEthernetFramesOfAtLeastAHeader() throws Exception {
        MemoryTunDevice tap = open(new MemoryTunDriver(), TunLayer.TAP, "tap-frames");
        PacketBatch batch = PacketBatch.allocate(2, 0, 1600);
        put(batch, 0, new byte[13]);
        byte[] frame = new byte[60];
        frame[12] = 0x08; // an IPv4 ethertype, for the record
        put(batch, 1, frame);
        batch.count(2);
        assertEquals(2, tap.write(batch, 0));
        assertEquals(1, tap.malformedWrites());
        assertArrayEquals(frame, tap.osSide().poll());
    }

    @Test
    void injectedPacketsTooLongForTheSlotsAreDroppedAndCounted() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(), TunLayer.TUN, "oversized");
        d.osSide().inject(ipv4(200));
        d.osSide().inject(ipv4(10));
        PacketBatch batch = PacketBatch.allocate(4, 32, 32 + 100);
        assertEquals(1, d.read(batch));
        assertEquals(38, batch.slot(0).remaining());
        assertEquals(1, d.oversizedReads());
    }

    @Test
    void osSideCanPollWithoutAllocatingAndInjectFromABuffer() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(), TunLayer.TUN, "buffers");
        byte[] packet = ipv4(20);
        ByteBuffer source = ByteBuffer.allocateDirect(100);
        source.position(10);
        source.put(packet).flip().position(10);
        assertTrue(d.osSide().inject(source));
        assertEquals(10, source.position(), "inject must not move the buffer");

        PacketBatch batch = PacketBatch.allocate(1, 0, 100);
        assertEquals(1, d.read(batch));
        assertEquals(1, d.write(batch, 0));
        ByteBuffer into = ByteBuffer.allocate(100);
        assertEquals(packet.length, d.osSide().poll(into));
        assertEquals(packet.length, into.position());
        assertArrayEquals(packet, java.util.Arrays.copyOf(into.array(), packet.length));
        assertEquals(-1, d.osSide().poll(into), "nothing pending");
    }

    @Test
    void closingWakesALoopWaitingForReadAndLaterIoFails() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(), TunLayer.TUN, "wake-on-close");
        MemoryEventSet set = new MemoryEventBackend().open(1);
        set.ctl(d.waitable(), EventSet.READ, 2);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Integer> flags = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            ReadyEvents ready = new ReadyEvents(1);
            waiting.countDown();
            set.wait(-1, ready);
            flags.set(ready.flagsFor(2));
        }, "tun-close-waiter");
        loop.start();
        assertTrue(waiting.await(5, TimeUnit.SECONDS));

        d.close();
        loop.join(5_000);

        assertFalse(loop.isAlive(), "closing the device did not wake the waiting loop");
        assertEquals(EventSet.READ, flags.get());
        assertFalse(d.osSide().inject(ipv4(1)), "a closed device takes nothing");
        assertEquals(TunException.Reason.CLOSED, assertThrows(TunException.class, () -> d.read(PacketBatch.allocate(1, 0, 64))).reason());
        set.close();
    }

    @Test
    void packetsWrittenBeforeCloseCanStillBeTaken() throws Exception {
        MemoryTunDevice d = open(new MemoryTunDriver(), TunLayer.TUN, "drain-after-close");
        MemoryTunOsSide os = d.osSide();
        PacketBatch batch = PacketBatch.allocate(1, 0, 100);
        put(batch, 0, ipv4(5));
        batch.count(1);
        assertEquals(1, d.write(batch, 0));
        d.close();
        assertEquals(33, os.take(1_000).length);
        assertNull(os.take(10));
    }

    @Test
    void awaitOsSideSeesADeviceOpenedByAnotherThread() throws Exception {
        MemoryTunDriver driver = new MemoryTunDriver();
        AtomicReference<MemoryTunDevice> device = new AtomicReference<>();
        Thread opener = new Thread(() -> {
            try {
                device.set(driver.open(TunSpec.builder(TunLayer.TUN).name("late-device").build()));
            } catch (TunException e) {
                throw new IllegalStateException(e);
            }
        }, "tun-opener");
        opener.start();
        MemoryTunOsSide os = MemoryTunHub.awaitOsSide("late-device", 5_000);
        opener.join(5_000);
        opened.add(device.get());
        assertNotNull(os);
        assertSame(device.get(), os.device());
        assertNull(MemoryTunHub.awaitOsSide("never-opened", 20), "no such device: null after the timeout");
    }
}
