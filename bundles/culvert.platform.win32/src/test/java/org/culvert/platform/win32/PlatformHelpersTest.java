package org.culvert.platform.win32;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.culvert.api.tun.TunDns;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRedirect;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.junit.jupiter.api.Test;

/** The OS-independent helpers of the Windows platform bundle. */
class PlatformHelpersTest {
    @Test
    void ipv4ParsesFormatsAndRecognisesNetmasks() {
        assertEquals(0x0A080001, Ipv4.parse("10.8.0.1"));
        assertEquals("255.255.255.0", Ipv4.format(Ipv4.parse("255.255.255.0")));
        assertTrue(Ipv4.isNetmask(Ipv4.parse("255.255.255.0")));
        assertTrue(Ipv4.isNetmask(-1));
        assertFalse(Ipv4.isNetmask(Ipv4.parse("10.8.0.1")));
        assertFalse(Ipv4.isNetmask(Ipv4.parse("255.0.255.0")));
        assertFalse(Ipv4.isNetmask(0));
        assertEquals(Ipv4.parse("255.255.240.0"), Ipv4.maskOf(20));
        for (String bad : new String[] { "10.8.0", "10.8.0.256", "a.b.c.d", "10..0.1", "10.8.0.1.5", " ", "1e1.0.0.1" }) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(null));
    }

    @Test
    void commandLinesSplitLikeWindowsWithQuotes() {
        assertEquals(List.of("C:\\Program Files\\x\\up.bat", "a", "b c"), DeviceScripts.split("\"C:\\Program Files\\x\\up.bat\" a \"b c\""));
        assertEquals(List.of("up.cmd"), DeviceScripts.split("  up.cmd  "));
        assertEquals(List.of("", "x"), DeviceScripts.split("\"\" x"));
    }

    @Test
    void scriptEnvironmentNamesRemoteOrNetmask() {
        TunSpec p2p = TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "10.8.0.1").scriptEnv("dev", "overridden").build();
        Map<String, String> env = DeviceScripts.environment(p2p, "TAP 1", "up");
        assertEquals("10.8.0.1", env.get("ifconfig_remote"));
        assertNull(env.get("ifconfig_netmask"));
        assertEquals("TAP 1", env.get("dev"), "device variables win over the spec's");
        TunSpec subnet = TunSpec.builder(TunLayer.TAP).ifconfig("10.8.0.2", "255.255.255.0").ifconfigIpv6("fd00::2", 64, null).build();
        env = DeviceScripts.environment(subnet, "TAP 1", "down");
        assertEquals("255.255.255.0", env.get("ifconfig_netmask"));
        assertEquals("tap", env.get("dev_type"));
        assertEquals("64", env.get("ifconfig_ipv6_netbits"));
        assertEquals("down", env.get("script_type"));
    }

    @Test
    void theSecondIfconfigAddressIsReadAsTopologyAndDevTypeSay() {
        int mask = Ipv4.parse("255.255.255.0");
        int peer = Ipv4.parse("10.8.0.1");
        TunSpec.Builder tun = TunSpec.builder(TunLayer.TUN);
        assertTrue(InterfaceSetup.secondAddressIsNetmask(tun.build(), mask), "no topology: looks like a netmask");
        assertFalse(InterfaceSetup.secondAddressIsNetmask(tun.build(), peer));
        assertTrue(InterfaceSetup.secondAddressIsNetmask(TunSpec.builder(TunLayer.TUN).driverOption("topology", "subnet").build(), peer));
        assertFalse(InterfaceSetup.secondAddressIsNetmask(TunSpec.builder(TunLayer.TUN).driverOption("topology", "net30").build(), mask));
        assertFalse(InterfaceSetup.secondAddressIsNetmask(TunSpec.builder(TunLayer.TUN).driverOption("topology", "p2p").build(), mask));
        assertTrue(InterfaceSetup.secondAddressIsNetmask(TunSpec.builder(TunLayer.TAP).driverOption("topology", "net30").build(), peer),
                "dev-type tap: always a netmask");
    }

    @Test
    void interfaceSetupRefusesBadInputBeforeRunningAnything() {
        TunSpec spec = TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "10.8.0.300").build();
        assertEquals(TunException.Reason.CONFIGURATION_FAILED, assertThrows(TunException.class, () -> InterfaceSetup.plan("x", spec)).reason());
        TunSpec ok = TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "10.8.0.1").build();
        assertThrows(TunException.class, () -> InterfaceSetup.plan("bad\"name", ok));
        assertThrows(TunException.class, () -> InterfaceSetup.plan("", ok));
    }

    @Test
    void redirectionSpecialRoutesNoexecAndDnsAreRefusedNotIgnored() {
        TunSpec.Builder base = TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "10.8.0.1");
        for (TunSpec spec : List.of(
                TunSpec.builder(TunLayer.TUN).redirect(new TunRedirect(true, true, true, false, false, false,
                        false, false, false)).build(),
                TunSpec.builder(TunLayer.TUN).routeNoexec(true).build(),
                TunSpec.builder(TunLayer.TUN).route(new TunRoute("10.0.0.0", 8,
                        TunRoute.NET_GATEWAY, -1)).build(),
                TunSpec.builder(TunLayer.TUN).dns(new TunDns(List.of(), List.of("corp.example"))).build())) {
            TunException e = assertThrows(TunException.class, () -> InterfaceSetup.plan("tun0", spec));
            assertEquals(TunException.Reason.UNSUPPORTED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("Windows drivers"), e.getMessage());
        }
        assertFalse(assertDoesNotThrow(() -> InterfaceSetup.plan("tun0", base.build())).isEmpty());
    }

    @Test
    void interfaceSetupUndoesWhatItAppliedWhenAStepFails() throws Exception {
        List<String> ran = new ArrayList<>();
        CommandRunner runner = (argv, env, timeout, out) -> {
            ran.add(String.join(" ", argv));
            return argv.contains("subinterface") ? 1 : 0;
        };
        TunSpec spec = TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "255.255.255.0").build();
        InterfaceSetup setup = new InterfaceSetup(runner, 1000);
        TunException e = assertThrows(TunException.class, () -> setup.apply(InterfaceSetup.plan("tun0", spec)));
        assertEquals(TunException.Reason.CONFIGURATION_FAILED, e.reason());
        assertEquals(List.of("netsh interface ipv4 set address tun0 source=static address=10.8.0.2 mask=255.255.255.0 store=active",
                "netsh interface ipv4 set subinterface tun0 mtu=1500 store=active",
                "netsh interface ipv4 delete address tun0 10.8.0.2"), ran);
    }

    @Test
    void processRunnerReportsExitCodeOutputAndTimeouts() throws Exception {
        CommandRunner runner = CommandRunner.processes();
        StringBuilder out = new StringBuilder();
        assertEquals(3, runner.run(List.of("sh", "-c", "echo \"$GREETING\"; exit 3"), Map.of("GREETING", "hello"), 10_000, out));
        assertEquals("hello", out.toString().trim());
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> runner.run(List.of("sleep", "30"), Map.of(), 200, null));
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "the timeout was not enforced");
        assertThrows(IOException.class, () -> runner.run(List.of("/nonexistent/program"), Map.of(), 1000, null));
    }

    @Test
    void closeGuardWaitsForTheRunningUseAndShutsOutNewOnes() throws Exception {
        CloseGuard guard = new CloseGuard();
        assertTrue(guard.enter());
        CountDownLatch closing = new CountDownLatch(1);
        AtomicBoolean closedFirst = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            closing.countDown();
            closedFirst.set(guard.close());
        }, "closer");
        closer.start();
        assertTrue(closing.await(5, TimeUnit.SECONDS));
        // close() has begun or is about to: new uses must be refused as soon as it has.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!guard.isClosed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(guard.isClosed());
        assertFalse(guard.enter(), "no new use after close began");
        assertTrue(closer.isAlive(), "close() must wait for the use in progress");
        guard.exit();
        closer.join(5_000);
        assertFalse(closer.isAlive());
        assertTrue(closedFirst.get());
        assertFalse(guard.close(), "only the first close releases");
    }

    @Test
    void win32NativeSaysWhyItCannotWorkHere() {
        String failure = Win32Native.loadFailure();
        assertNotNull(failure, "these tests run on Linux");
        assertTrue(failure.contains("not Windows"), failure);
        assertThrows(IllegalStateException.class, Win32Native::kernel32);
    }

    @Test
    void processorDirectoriesFollowTheWintunZipLayout() {
        String saved = System.getProperty("os.arch");
        try {
            System.setProperty("os.arch", "amd64");
            assertEquals("amd64", Win32Native.processorDirectory());
            System.setProperty("os.arch", "aarch64");
            assertEquals("arm64", Win32Native.processorDirectory());
            System.setProperty("os.arch", "x86");
            assertNull(Win32Native.processorDirectory());
        } finally {
            System.setProperty("os.arch", saved);
        }
    }

    @Test
    void errorNamesForMessages() {
        assertEquals("ERROR_IO_PENDING (997)", Win32Errors.describe(Kernel32Api.ERROR_IO_PENDING));
        assertEquals("error 424242", Win32Errors.describe(424242));
        assertTrue(Win32Errors.isDeviceGone(Kernel32Api.ERROR_OPERATION_ABORTED));
        assertFalse(Win32Errors.isDeviceGone(Kernel32Api.ERROR_IO_PENDING));
    }
}
