package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;

import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.tls.TlsSettingsFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link OpenVpnServerEngines}' answers to the management's verdicts ({@code management-client-auth})
 * for keys that await none: an unknown CID, a wrong KID, a second verdict, an INFO_PRE text OpenVPN
 * would refuse. (The verdicts that admit and refuse run end to end in ServerDeferredAuthTest.)
 */
class ServerEnginesAuthTest {
    private static OpenVpnServerEngines engines(String extra) throws Exception {
        String config = "dev tun\nproto udp\nport 1194\ntopology subnet\nserver 10.8.0.0 255.255.255.0\ndh none\n"
                + ServerHarness.pem("ca", ServerHarness.CA.certPem()) + ServerHarness.pem("cert", ServerHarness.SERVER.certPem())
                + ServerHarness.pem("key", ServerHarness.SERVER.keyPem()) + extra;
        OpenVpnOptions options = ConfigParser.parse(config, "server.conf", null);
        TunnelLog log = new TunnelLog("auth");
        return new OpenVpnServerEngines(options, TlsSettingsFactory.fromOptions(options), new PoolAddressing(options, LoopClock.SYSTEM, log),
                1600, LoopClock.SYSTEM, log);
    }

    private static MultiInstance client(OpenVpnServerEngines engines, long cid) throws Exception {
        return new MultiInstance(cid, engines.newSession(cid, new InetSocketAddress("127.0.0.1", 5000)), null,
                new InetSocketAddress("127.0.0.1", 5000), Instant.now());
    }

    @Test
    void verdictsForKeysThatAwaitNoneAreRefusedWithoutTouchingTheClient() throws Exception {
        OpenVpnServerEngines e = engines("management 127.0.0.1 7505\nmanagement-client-auth\n");
        try {
            MultiInstance m = client(e, 3);
            // No >CLIENT:CONNECT was told for this client yet: any KID, allow or deny, is an error (its owner is never asked).
            for (long kid : new long[] {0, 1, -1, Long.MAX_VALUE}) {
                assertFalse(e.clientAuth(m, null, kid, true, List.of("push \"route 10.1.0.0 255.255.0.0\""), null), "kid " + kid);
                assertFalse(e.clientAuth(m, null, kid, false, List.of(), "no"), "deny kid " + kid);
                assertFalse(e.clientPendingAuth(m, null, kid, "WEB_AUTH::https://x", 30), "pending kid " + kid);
            }
            e.closed(m);
            assertFalse(e.clientAuth(m, null, 0, true, List.of(), null), "after its close");
            m.session.close();
        } finally {
            e.close();
        }
    }

    @Test
    void withoutManagementClientAuthNoVerdictIsTaken() throws Exception {
        OpenVpnServerEngines e = engines("");
        try {
            MultiInstance m = client(e, 0);
            assertFalse(e.clientAuth(m, null, 0, true, List.of(), null));
            assertFalse(e.clientPendingAuth(m, null, 0, "x", 10));
            assertEquals(null, e.commonName(m), "no certificate verified: no name");
            m.session.close();
        } finally {
            e.close();
        }
    }
}
