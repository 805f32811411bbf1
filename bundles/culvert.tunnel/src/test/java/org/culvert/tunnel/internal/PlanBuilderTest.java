package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanBuilderTest {
    static final String KEY = "-----BEGIN OpenVPN Static key V1-----\n"
            + "942ea5b5ac47161d9018e81ab835979826b22efeae737d48f3bdbc901d709e0a\n"
            + "9804cb9c15d8b24b0eb9b28acd13a7dcd93dd85d1c124e06c2b357ca7bce7d65\n"
            + "fefbcda9fe94ef923961f9df7961e8df30e97f9fff224360585b2af57cee2831\n"
            + "1c34b7a3395e368b7727140a4875aa623f7e3783360a4d050ec302b71c660eae\n"
            + "f9dbe389ab5c14e979080cab0454d3e07b8ac5a19b22beebde4b7c89012e825a\n"
            + "6e0fb0fea480b0113eb3c3ed7e11571e4ccbef23536693fe06f9cf5ddf1144bf\n"
            + "4b245aca23af552b63edd73dc3ebd0253e10868d909332b56b643a4ed748f405\n"
            + "e8fb712098a4b5faf654402cadbf31ab0339c3a4e3fed2dab99246c0c9d14fce\n"
            + "-----END OpenVPN Static key V1-----\n";

    @TempDir
    Path dir;

    private Map<String, Object> props(String config) {
        Map<String, Object> p = new HashMap<>();
        p.put(TunnelManager.PROP_NAME, "t");
        p.put(TunnelManager.PROP_CONFIG, config);
        p.put("configSource", dir.resolve("p2p.conf").toString());
        return p;
    }

    @Test
    void theOpenVpnAnchorConfigurationMapsToDriverAndTransportSpecs() throws Exception {
        Files.writeString(dir.resolve("static.key"), KEY);
        TunnelPlan plan = PlanBuilder.fromConfiguration("t", props(String.join("\n",
                "dev tun", "proto udp", "local 10.201.0.1", "remote 10.201.0.2", "port 1194",
                "ifconfig 10.202.0.1 10.202.0.2", "secret static.key 0", "cipher AES-256-CBC", "auth SHA256",
                "route 192.168.77.0 255.255.255.0", "persist-tun", "verb 4", "")));
        assertEquals(TunLayer.TUN, plan.tunSpec.layer());
        assertEquals("10.202.0.1", plan.tunSpec.ifconfigLocal());
        assertEquals("10.202.0.2", plan.tunSpec.ifconfigRemoteOrNetmask());
        assertEquals(1500, plan.tunSpec.mtu());
        assertTrue(plan.tunSpec.persist());
        assertEquals(1, plan.tunSpec.routes().size());
        assertEquals(24, plan.tunSpec.routes().get(0).prefixLength());
        assertEquals(LinkProtocol.UDP, plan.linkSpec.protocol());
        assertEquals("10.201.0.1", plan.linkSpec.localHost());
        assertEquals(1194, plan.linkSpec.localPort());
        assertEquals("10.201.0.2", plan.linkSpec.remoteHost());
        assertEquals(1194, plan.linkSpec.remotePort());
        assertTrue(plan.maxPayload >= 1500);
    }

    @Test
    void openVpnsWarningsAboutTheConfigurationReachTheTunnelLog() throws Exception {
        Path key = Files.writeString(dir.resolve("k"), KEY);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        TunnelPlan plan = PlanBuilder.fromConfiguration("t", props("dev tun\nsecret k 1\ncipher AES-128-CBC\nping 10\n"));
        assertTrue(plan.warnings.contains("WARNING: file 'k' is group or others accessible"), plan.warnings.toString());
        assertTrue(plan.warnings.contains("WARNING: --ping should normally be used with --ping-restart or --ping-exit"), plan.warnings.toString());
        TunnelLog log = new TunnelLog("t");
        TunnelRunner.logWarnings(plan, log);
        List<String> logged = log.recent().stream().filter(e -> e.level() == TunnelLogEntry.Level.WARNING).map(TunnelLogEntry::message).toList();
        assertEquals(plan.warnings, logged);
        // A configuration OpenVPN has nothing to say about logs no warning.
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        TunnelPlan quiet = PlanBuilder.fromConfiguration("t", props("dev tun\nsecret k 1\ncipher AES-128-CBC\nkeepalive 10 60\n"));
        assertEquals(List.of("DEPRECATED OPTION: The option --secret is deprecated."), quiet.warnings);
    }

    @Test
    void tcpServerWithoutRemoteListens() throws Exception {
        Files.writeString(dir.resolve("k"), KEY);
        TunnelPlan plan = PlanBuilder.fromConfiguration("t", props("dev tun\nproto tcp-server\nlport 4443\nsecret k 1\ncipher AES-128-CBC\nauth SHA1\n"));
        assertEquals(LinkProtocol.TCP_SERVER, plan.linkSpec.protocol());
        assertEquals(4443, plan.linkSpec.localPort());
        assertNull(plan.linkSpec.remoteHost());
    }

    @Test
    void anUnknownOptionIsNamedWithItsFileAndLine() {
        PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class,
                () -> PlanBuilder.fromConfiguration("t", props("dev tun\nproto udp\nfrobnicate 3\n")));
        assertTrue(e.getMessage().contains("frobnicate"), e.getMessage());
        assertTrue(e.getMessage().contains("p2p.conf:3"), e.getMessage());
    }

    @Test
    void upScriptsWithoutScriptSecurityAreRefusedNotIgnored() throws Exception {
        Files.writeString(dir.resolve("k"), KEY);
        PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class,
                () -> PlanBuilder.fromConfiguration("t", props("dev tun\nsecret k\ncipher AES-256-CBC\nup /bin/true\n")));
        assertTrue(e.getMessage().contains("script-security"), e.getMessage());
    }

    @Test
    void aMissingConfigurationIsReported() {
        Map<String, Object> p = new HashMap<>();
        p.put(TunnelManager.PROP_NAME, "t");
        PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class, () -> PlanBuilder.fromConfiguration("t", p));
        assertTrue(e.getMessage().contains("neither"), e.getMessage());
    }

    @Test
    void eachAttemptGetsTheLinkAndSessionOfItsProfile() throws Exception {
        Files.writeString(dir.resolve("static.key"), KEY);
        TunnelPlan plan = PlanBuilder.fromConfiguration("t", props(String.join("\n",
                "dev tun", "ifconfig 10.202.0.1 10.202.0.2", "secret static.key 0", "cipher AES-256-CBC",
                "server-poll-timeout 9", "<connection>", "remote 10.201.0.2 1194 udp", "explicit-exit-notify 2",
                "</connection>", "<connection>", "remote 10.201.0.3 443 tcp-client", "connect-retry 4 20", "</connection>", "")));
        assertEquals(LinkProtocol.UDP, plan.linkSpec.protocol(), "the plan's own link is the first profile's");
        ConnectionList list = new ConnectionList(plan.options(), ConnectionList.Resolver.SYSTEM, ms -> true,
                new java.util.Random(1), line -> { });
        boolean[] counted = new boolean[1];
        TunnelPlan first = plan.forAttempt(list.next(counted));
        assertEquals(LinkProtocol.UDP, first.linkSpec.protocol());
        assertEquals("10.201.0.2", first.linkSpec.remoteHost());
        assertTrue(first.linkSpec.connectOnce(), "with two profiles a failed connect moves on");
        TunnelPlan second = plan.forAttempt(list.next(counted));
        assertEquals(LinkProtocol.TCP_CLIENT, second.protocol());
        assertEquals("10.201.0.3", second.linkSpec.remoteHost());
        assertEquals(443, second.linkSpec.remotePort());
        assertEquals(4, second.linkSpec.connectRetrySeconds());
        assertEquals(20, second.linkSpec.connectRetryMaxSeconds());
        assertEquals(9, second.linkSpec.connectTimeoutSeconds());
        assertEquals(plan.tunSpec, second.tunSpec, "the device is the same for every profile");
        PeerSession udp = first.sessionFactory.newSession(LoopClock.SYSTEM);
        PeerSession tcp = second.sessionFactory.newSession(LoopClock.SYSTEM);
        assertTrue(udp.beginExitNotify() > 0, "the UDP profile notifies its exit");
        assertEquals(0, tcp.beginExitNotify(), "never over TCP");
        udp.close();
        tcp.close();
        plan.wipe();
    }

    @Test
    void aHandMadePlanIsItsOwnAttempt() throws Exception {
        Files.writeString(dir.resolve("static.key"), KEY);
        TunnelPlan plan = PlanBuilder.fromConfiguration("t", props(String.join("\n",
                "dev tun", "remote 10.201.0.2", "ifconfig 10.202.0.1 10.202.0.2", "secret static.key 0", "cipher AES-256-CBC", "")));
        TunnelPlan byHand = new TunnelPlan(plan.tunSpec, plan.linkSpec, false, 1600, plan.sessionFactory, "");
        assertTrue(byHand == byHand.forAttempt(null));
        assertTrue(byHand.options() == null);
        plan.wipe();
    }
}
