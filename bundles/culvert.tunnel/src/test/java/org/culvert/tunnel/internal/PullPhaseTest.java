package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.openvpn.tls.TlsFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device a push asks for, when a persisted one may stay, and the reasons of a failed pull. */
class PullPhaseTest {
    @TempDir
    Path dir;

    private static final TestPki.Identity ID = TestPki.selfSigned("pull-phase");

    private OpenVpnOptions client() throws Exception {
        Files.writeString(dir.resolve("c.crt"), ID.certPem());
        Files.writeString(dir.resolve("c.key"), ID.keyPem());
        Files.writeString(dir.resolve("ca.crt"), ID.certPem());
        return ConfigParser.parse("client\ndev tun\nremote 192.0.2.1\nnobind\npersist-tun\ncert c.crt\nkey c.key\n"
                + "ca ca.crt\nsetenv-safe SITE hq\n", "client.conf", dir);
    }

    private TunSpec pushed(OpenVpnOptions o, String reply) {
        PushReply r = new PushReply(o);
        assertEquals(PushReply.Status.COMPLETE, r.offer(reply));
        return PlanBuilder.tunSpec(o, dir.resolve("client.conf"), r.result()).build();
    }

    @Test
    void theDeviceIsMadeFromThePushOverTheConfiguration() throws Exception {
        OpenVpnOptions o = client();
        TunSpec plain = PlanBuilder.tunSpec(o, null, null).build();
        assertEquals(null, plain.ifconfigLocal());
        TunSpec subnet = pushed(o, "PUSH_REPLY,topology subnet,ifconfig 10.8.0.2 255.255.255.0,tun-mtu 1400");
        assertEquals("10.8.0.2", subnet.ifconfigLocal());
        assertEquals("255.255.255.0", subnet.ifconfigRemoteOrNetmask());
        assertEquals("subnet", subnet.driverOptions().get("topology"));
        assertEquals(1400, subnet.mtu());
        assertTrue(subnet.persist());
        assertEquals("hq", subnet.scriptEnvironment().get("OPENVPN_SITE"));
        TunSpec net30 = pushed(o, "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 10.1.0.0 255.255.0.0,setenv-safe ZONE a");
        assertEquals("net30", net30.driverOptions().get("topology"));
        assertEquals(1, net30.routes().size());
        assertEquals("10.8.0.5", net30.routes().get(0).gateway());
        assertEquals("a", net30.scriptEnvironment().get("OPENVPN_ZONE"));
    }

    @Test
    void aPersistedDeviceStaysOnlyForTheSameAddressesAndRoutes() throws Exception {
        OpenVpnOptions o = client();
        String reply = "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 10.1.0.0 255.255.0.0";
        TunSpec first = pushed(o, reply);
        assertTrue(PullPhase.sameDevice(first, pushed(o, reply)));
        assertFalse(PullPhase.sameDevice(first, pushed(o, "PUSH_REPLY,ifconfig 10.8.0.10 10.8.0.9,route 10.1.0.0 255.255.0.0")));
        assertFalse(PullPhase.sameDevice(first, pushed(o, "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5")));
        assertFalse(PullPhase.sameDevice(first, pushed(o, reply + ",tun-mtu 1400")));
        assertFalse(PullPhase.sameDevice(null, first));
    }

    @Test
    void aFailedPullHasItsOwnReason() {
        assertEquals(TunnelReason.NO_PUSH_REPLY, PullPhase.reason(TlsFailure.Reason.NO_PUSH_REPLY));
        assertEquals(TunnelReason.PUSH_FAILED, PullPhase.reason(TlsFailure.Reason.PUSH_FAILED));
        assertEquals(TunnelReason.SERVER_RESTART, PullPhase.reason(TlsFailure.Reason.SERVER_RESTART));
        assertEquals(TunnelReason.SERVER_HALT, PullPhase.reason(TlsFailure.Reason.SERVER_HALT));
        assertEquals(TunnelReason.HANDSHAKE_FAILED, PullPhase.reason(TlsFailure.Reason.CERT_UNTRUSTED));
        assertEquals(TunnelReason.HANDSHAKE_FAILED, PullPhase.reason(null));
    }
}
