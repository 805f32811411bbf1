package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunException.Reason;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.plugin.Availability;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux driver beyond the contract: naming, tap, OpenVPN's configuration order and script
 * interface, failures and what they leave behind. Every test runs in a namespace of its own.
 */
class LinuxTunDriverTest {
    private final LinuxTunDriver driver = new LinuxTunDriver();
    private NetNs ns;
    private TunDevice device;
    @TempDir
    Path dir;

    @BeforeEach
    void enterNamespace() throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        ns = NetNs.enter();
    }

    @AfterEach
    void leaveNamespace() {
        try {
            if (device != null) {
                device.close();
            }
        } finally {
            if (ns != null) {
                ns.close();
            }
        }
    }

    private String links() throws Exception {
        return ns.ip("-o", "link", "show");
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static Map<String, String> readEnv(Path file) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    @Test
    void isAvailableHere() {
        Availability a = driver.availability();
        assertTrue(a.isAvailable(), a::toString);
    }

    @Test
    void bareTunNameLetsTheKernelNumberTheDevice() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("tun").build());
        assertTrue(device.name().matches("tun[0-9]+"), device.name());
        TunDevice second = driver.open(TunSpec.builder(TunLayer.TUN).build());
        try {
            assertTrue(second.name().matches("tun[0-9]+"), second.name());
            assertFalse(second.name().equals(device.name()));
        } finally {
            second.close();
        }
    }

    @Test
    void exactNameMtuAddressesAndRoutesAreApplied() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("culv0").mtu(1400)
                .ifconfig("10.66.0.1", "10.66.0.2")
                .ifconfigIpv6("fd00:66::1", 64, "fd00:66::2")
                .route(new TunRoute("10.77.0.0", 16, null, -1))
                .route(new TunRoute("10.78.0.0", 24, "10.66.0.2", 7))
                .route(new TunRoute("fd00:77::", 48, null, 5))
                .build());
        assertEquals("culv0", device.name());
        assertEquals(1400, device.mtu());
        String link = ns.ip("-o", "link", "show", "dev", "culv0");
        assertTrue(link.contains("mtu 1400") && link.contains(",UP"), link);
        String addr = ns.ip("-o", "addr", "show", "dev", "culv0");
        assertTrue(addr.contains("inet 10.66.0.1 peer 10.66.0.2/32"), addr);
        assertTrue(addr.contains("inet6 fd00:66::1/64"), addr);
        String routes = ns.ip("route", "show");
        assertTrue(routes.contains("10.77.0.0/16 via 10.66.0.2 dev culv0"), routes);
        assertTrue(routes.contains("10.78.0.0/24 via 10.66.0.2 dev culv0 metric 7"), routes);
        String routes6 = ns.ip("-6", "route", "show");
        assertTrue(routes6.contains("fd00:77::/48 dev culv0 metric 5"), routes6);
    }

    @Test
    void closeRemovesTheDeviceAndIsIdempotent() throws Exception {
        TunDevice d = driver.open(TunSpec.builder(TunLayer.TUN).name("culv1").ifconfig("10.66.0.1", "10.66.0.2").build());
        assertTrue(links().contains("culv1"));
        d.close();
        d.close();
        assertFalse(links().contains("culv1"), "the kernel deletes a non-persistent device on close");
        TunException read = assertThrows(TunException.class, () -> d.read(PacketBatch.allocate(2, 16, 1600)));
        assertEquals(Reason.CLOSED, read.reason());
    }

    @Test
    void aNameInUseIsBusy() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("culv2").build());
        TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN).name("culv2").build()));
        assertEquals(Reason.DEVICE_BUSY, e.reason(), e.getMessage());
    }

    @Test
    void aNameTakenByAnotherKindOfDeviceIsAConfigurationError() {
        TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN).name("lo").build()));
        assertEquals(Reason.CONFIGURATION_FAILED, e.reason(), e.getMessage());
    }

    @Test
    void badDeviceNamesAreRefusedBeforeTouchingTheKernel() throws Exception {
        for (String bad : List.of("name-far-too-long", "a/b", "with space", "x:y", "..", "tab\tname", "ünï")) {
            TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN).name(bad).build()), bad);
            assertEquals(Reason.CONFIGURATION_FAILED, e.reason(), bad);
            assertTrue(e.getMessage().contains("invalid device name"), e.getMessage());
        }
        assertEquals(1, links().trim().split("\n").length, "only lo: " + links());
    }

    @Test
    void deviceNodeIsHonoured() throws Exception {
        TunException missing = assertThrows(TunException.class,
                () -> driver.open(TunSpec.builder(TunLayer.TUN).deviceNode(dir.resolve("nope").toString()).build()));
        assertEquals(Reason.DEVICE_NOT_FOUND, missing.reason());
        TunException notTun = assertThrows(TunException.class,
                () -> driver.open(TunSpec.builder(TunLayer.TUN).deviceNode("/dev/null").build()));
        assertEquals(Reason.DEVICE_NOT_FOUND, notTun.reason(), notTun.getMessage());
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("culv3").deviceNode("/dev/net/tun").build());
        assertEquals("culv3", device.name());
    }

    @Test
    void tapDeviceGetsNetmaskAndBroadcastAndCarriesFrames() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TAP).name("tap").mtu(1500).ifconfig("10.67.0.1", "255.255.255.0").build());
        assertTrue(device.name().matches("tap[0-9]+"), device.name());
        assertEquals(TunLayer.TAP, device.layer());
        String link = ns.ip("-o", "link", "show", "dev", device.name());
        assertTrue(link.contains("link/ether"), link);
        String addr = ns.ip("-o", "-4", "addr", "show", "dev", device.name());
        assertTrue(addr.contains("inet 10.67.0.1/24 brd 10.67.0.255"), addr);

        // A datagram to a neighbour on the tap segment makes the kernel ARP for it: a frame to read.
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("10.67.0.1"), 0))) {
            s.send(new DatagramPacket(new byte[] {1}, 1, InetAddress.getByName("10.67.0.9"), 9));
        }
        PacketBatch batch = PacketBatch.allocate(8, 32, 32 + 1518);
        ByteBuffer arp = null;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (arp == null && System.nanoTime() < deadline) {
            int n = device.read(batch);
            for (int i = 0; i < n; i++) {
                ByteBuffer f = batch.slot(i);
                if (f.remaining() >= 42 && f.getShort(f.position() + 12) == 0x0806) {
                    arp = f;
                }
            }
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        assertNotNull(arp, "no ARP request read from the tap device");
        assertEquals(32, arp.position(), "frame starts at the headroom");
        assertEquals(-1, arp.getInt(arp.position()), "ARP request goes to broadcast");

        PacketBatch out = PacketBatch.allocate(1, 32, 32 + 1518);
        ByteBuffer runt = out.prepareSlot(0);
        runt.limit(runt.position() + 6); // shorter than an Ethernet header
        out.count(1);
        assertEquals(1, device.write(out, 0), "a runt frame is dropped, not thrown");
    }

    @Test
    void upScriptGetsOpenVpnArgumentsAndEnvironmentAfterIfconfigAndBeforeRoutes() throws Exception {
        Path args = dir.resolve("args");
        Path env = dir.resolve("env");
        Path seen = dir.resolve("seen");
        Path up = script("up.sh", "printf '%s\\n' \"$@\" > " + args + "\nenv > " + env
                + "\nip -o addr show dev \"$2\" > " + seen + "\nip route show >> " + seen);
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("culv4").mtu(1300)
                .ifconfig("10.66.0.1", "10.66.0.2")
                .ifconfigIpv6("fd00:66::1", 64, "fd00:66::2")
                .route(new TunRoute("10.77.0.0", 16, null, 3))
                .route(new TunRoute("fd00:77::", 48, null, -1))
                .up(up + " extra-arg")
                .scriptEnv("config", "client.conf")
                .scriptEnv("dev", "not-the-device")
                .build());
        assertEquals(List.of("extra-arg", "culv4", "1300", "0", "10.66.0.1", "10.66.0.2", "init"), Files.readAllLines(args));
        Map<String, String> e = readEnv(env);
        assertEquals("culv4", e.get("dev"), "the device's own name wins over the core's");
        assertEquals("tun", e.get("dev_type"));
        assertEquals("1300", e.get("tun_mtu"));
        assertEquals("up", e.get("script_type"));
        assertEquals("init", e.get("script_context"));
        assertEquals("10.66.0.1", e.get("ifconfig_local"));
        assertEquals("10.66.0.2", e.get("ifconfig_remote"));
        assertFalse(e.containsKey("ifconfig_netmask"));
        assertEquals("fd00:66::1", e.get("ifconfig_ipv6_local"));
        assertEquals("64", e.get("ifconfig_ipv6_netbits"));
        assertEquals("fd00:66::2", e.get("ifconfig_ipv6_remote"));
        assertEquals("10.66.0.2", e.get("route_vpn_gateway"));
        assertEquals("10.77.0.0", e.get("route_network_1"));
        assertEquals("255.255.0.0", e.get("route_netmask_1"));
        assertEquals("10.66.0.2", e.get("route_gateway_1"));
        assertEquals("3", e.get("route_metric_1"));
        assertEquals("fd00:77::/48", e.get("route_ipv6_network_1"));
        assertEquals("client.conf", e.get("config"));
        assertNotNull(e.get("PATH"), "the process environment is inherited");
        String state = Files.readString(seen);
        assertTrue(state.contains("10.66.0.1 peer 10.66.0.2"), "--ifconfig runs before --up: " + state);
        assertFalse(state.contains("10.77.0.0"), "routes are added after --up, as OpenVPN does: " + state);
        assertTrue(ns.ip("route", "show").contains("10.77.0.0/16"));
    }

    @Test
    void restartContextAndLinkMtuComeFromTheCore() throws Exception {
        Path args = dir.resolve("args");
        device = driver.open(TunSpec.builder(TunLayer.TAP).name("culv5").ifconfig("10.67.0.1", "255.255.255.0")
                .up(script("up.sh", "printf '%s\\n' \"$@\" > " + args).toString()).scriptEnv("script_context", "restart").scriptEnv("link_mtu", "1573").build());
        assertEquals(List.of("culv5", "1500", "1573", "10.67.0.1", "255.255.255.0", "restart"), Files.readAllLines(args));
    }

    @Test
    void downScriptRunsOnCloseAfterTheDeviceIsGone() throws Exception {
        Path out = dir.resolve("down");
        Path down = script("down.sh", "{ printf '%s\\n' \"$@\"; echo \"type=$script_type\"; "
                + "ip link show dev \"$1\" >/dev/null 2>&1 && echo present || echo gone; } > " + out);
        TunDevice d = driver.open(TunSpec.builder(TunLayer.TUN).name("culv6").ifconfig("10.66.0.1", "10.66.0.2")
                .down(down.toString()).build());
        assertFalse(Files.exists(out));
        d.close();
        assertEquals(List.of("culv6", "1500", "0", "10.66.0.1", "10.66.0.2", "init", "type=down", "gone"), Files.readAllLines(out));
        Files.delete(out);
        d.close();
        assertFalse(Files.exists(out), "close is idempotent: --down runs once");
    }

    @Test
    void downPreRunsTheScriptWhileTheDeviceExists() throws Exception {
        Path out = dir.resolve("down");
        Path down = script("down.sh", "ip link show dev \"$1\" >/dev/null 2>&1 && echo present > " + out);
        TunDevice d = driver.open(TunSpec.builder(TunLayer.TUN).name("culv7").driverOption("down-pre", "true")
                .down(down.toString()).build());
        d.close();
        assertEquals(List.of("present"), Files.readAllLines(out));
    }

    @Test
    void failingUpScriptIsScriptFailedAndLeavesNoDevice() throws Exception {
        Path downRan = dir.resolve("down-ran");
        Path up = script("up.sh", "echo refusing >&2\nexit 3");
        Path down = script("down.sh", "touch " + downRan);
        TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN).name("culv8")
                .ifconfig("10.66.0.1", "10.66.0.2").up(up.toString()).down(down.toString()).build()));
        assertEquals(Reason.SCRIPT_FAILED, e.reason());
        assertTrue(e.getMessage().contains("exit status 3") && e.getMessage().contains("refusing"), e.getMessage());
        assertFalse(links().contains("culv8"), "device left behind: " + links());
        assertFalse(Files.exists(downRan), "--down does not run when --up failed");
    }

    @Test
    void hangingUpScriptIsKilledAfterTheTimeout() throws Exception {
        Path up = script("up.sh", "sleep 30");
        long start = System.nanoTime();
        TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN).name("culv9")
                .driverOption("script-timeout", "1").up(up.toString()).build()));
        assertEquals(Reason.SCRIPT_FAILED, e.reason());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(System.nanoTime() - start < 15_000_000_000L, "not killed in time");
        assertFalse(links().contains("culv9"));
        TunException bad = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN)
                .driverOption("script-timeout", "soon").build()));
        assertEquals(Reason.CONFIGURATION_FAILED, bad.reason());
    }

    @Test
    void failingRouteIsConfigurationFailedWithTheCommandAndItsStderrAndUndoesUp() throws Exception {
        Path downRan = dir.resolve("down-ran");
        Path down = script("down.sh", "touch " + downRan);
        TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TUN).name("culv10")
                .ifconfig("10.66.0.1", "10.66.0.2").route(new TunRoute("10.88.0.0", 16, "192.0.2.1", -1))
                .up("true").down(down.toString()).build()));
        assertEquals(Reason.CONFIGURATION_FAILED, e.reason());
        assertTrue(e.getMessage().contains("route add 10.88.0.0/16 via 192.0.2.1"), e.getMessage());
        assertTrue(e.getMessage().contains("exit status 2"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("gateway") || e.getMessage().contains("unreachable"), e.getMessage());
        assertFalse(links().contains("culv10"));
        assertTrue(Files.exists(downRan), "--up had run, so --down undoes it");
    }

    @Test
    void malformedIfconfigIsRefusedAndLeavesNoDevice() throws Exception {
        TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(TunLayer.TAP).name("culv11")
                .ifconfig("10.67.0.1", "255.0.255.0").build()));
        assertEquals(Reason.CONFIGURATION_FAILED, e.reason());
        assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
        assertFalse(links().contains("culv11"));
    }

    @Test
    void oversizedPacketIsDroppedOnReadAndTheNextOneIsRead() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("culv12").ifconfig("10.66.0.1", "10.66.0.2").build());
        PacketBatch small = PacketBatch.allocate(4, 16, 16 + 200);
        drainStray(small);
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("10.66.0.1"), 0))) {
            InetAddress peer = InetAddress.getByName("10.66.0.2");
            s.send(new DatagramPacket(new byte[1000], 1000, peer, 9));
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            s.send(new DatagramPacket(hello, hello.length, peer, 9));
        }
        int n = 0;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (n == 0 && System.nanoTime() < deadline) {
            n = device.read(small);
        }
        assertEquals(1, n, "the 1028-byte packet does not fit a 200-byte slot and is dropped");
        ByteBuffer p = small.slot(0);
        assertEquals(16, p.position());
        assertEquals(20 + 8 + 5, p.remaining());
    }

    @Test
    void idleReadsAndMalformedWritesAllocateNothing() throws Exception {
        device = driver.open(TunSpec.builder(TunLayer.TUN).name("culv13").build());
        PacketBatch batch = PacketBatch.allocate(4, 16, 1600);
        PacketBatch bad = PacketBatch.allocate(2, 16, 1600);
        for (int i = 0; i < 2; i++) {
            ByteBuffer slot = bad.prepareSlot(i);
            slot.put((byte) 0xF0).put((byte) 0);
            slot.limit(slot.position()).position(16);
        }
        bad.count(2);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            device.read(batch);
            device.write(bad, 0);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int consumed = 0;
        for (int i = 0; i < 20_000; i++) {
            device.read(batch);
            consumed += device.write(bad, 0);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(40_000, consumed, "malformed packets count as written");
        assertTrue(allocated < 20_000, "allocated " + allocated + " bytes in 20000 read+write calls");
    }

    @Test
    void closeRacingReadsOnlyEverYieldsClosed() throws Exception {
        for (int round = 0; round < 20; round++) {
            TunDevice d = driver.open(TunSpec.builder(TunLayer.TUN).name("culv14").ifconfig("10.66.0.1", "10.66.0.2").build());
            java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
            Thread reader = new Thread(() -> {
                PacketBatch batch = PacketBatch.allocate(4, 16, 1600);
                try {
                    while (true) {
                        d.read(batch);
                        reading.countDown();
                    }
                } catch (TunException e) {
                    outcome.set(e.reason());
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            reader.start();
            assertTrue(reading.await(5, java.util.concurrent.TimeUnit.SECONDS));
            d.close();
            reader.join(5000);
            assertFalse(reader.isAlive(), "reader still running after close");
            assertEquals(Reason.CLOSED, outcome.get());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (links().contains("culv14") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertFalse(links().contains("culv14"), "device released");
        }
    }

    private void drainStray(PacketBatch batch) throws TunException {
        while (device.read(batch) > 0) {
            // router solicitations and the like
        }
    }
}
