package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;

class OccStringsTest {

    /** Facts sheet §9.2: captured from OpenVPN 2.6.14 run as {@code --ifconfig 10.9.0.1 10.9.0.2 --secret k 1}. */
    @Test
    void capturedStaticKeyString() throws Exception {
        OpenVpnOptions o = SessionFixtures.options("1", "auth SHA1;ifconfig 10.9.0.1 10.9.0.2");
        assertEquals("V4,dev-type tun,link-mtu 1560,tun-mtu 1500,proto UDPv4,ifconfig 10.9.0.2 10.9.0.1,keydir 1,"
                + "cipher AES-256-CBC,auth SHA1,keysize 256,secret", OccStrings.local(o));
        assertEquals("V4,dev-type tun,link-mtu 1560,tun-mtu 1500,proto UDPv4,ifconfig 10.9.0.1 10.9.0.2,keydir 0,"
                + "cipher AES-256-CBC,auth SHA1,keysize 256,secret", OccStrings.expectedRemote(o));
    }

    @Test
    void mirroredPeersExpectEachOthersStrings() throws Exception {
        OpenVpnOptions a = SessionFixtures.options("0", "proto tcp-server;ifconfig 10.8.0.1 10.8.0.2;ifconfig-ipv6 fd00::1/64 fd00::2;comp-lzo no");
        OpenVpnOptions b = SessionFixtures.options("1", "proto tcp-client;remote h;ifconfig 10.8.0.2 10.8.0.1;ifconfig-ipv6 fd00::2/64 fd00::1;comp-lzo no");
        assertEquals(OccStrings.local(a), OccStrings.expectedRemote(b));
        assertEquals(OccStrings.local(b), OccStrings.expectedRemote(a));
        assertEquals("V4,dev-type tun,link-mtu 1575,tun-mtu 1500,proto TCPv4_SERVER,tun-ipv6,ifconfig 10.8.0.2 10.8.0.1,comp-lzo,"
                + "keydir 0,cipher AES-256-CBC,auth SHA256,keysize 256,secret", OccStrings.local(a));
    }

    @Test
    void nullCipherDigestNoDirectionAndOccMtu() throws Exception {
        OpenVpnOptions o = SessionFixtures.options(null, "cipher none;auth none;tun-mtu 1400 1500");
        assertEquals("V4,dev-type tun,link-mtu 1408,tun-mtu 1500,proto UDPv4,cipher [null-cipher],auth [null-digest],"
                + "keysize 0,secret", OccStrings.local(o));
        assertEquals(OccStrings.local(o), OccStrings.expectedRemote(o));
    }

    @Test
    void tapAndSubnetAnnounceNetworkAndNetmask() throws Exception {
        OpenVpnOptions tap = SessionFixtures.options("0", "dev tap;ifconfig 10.8.0.5 255.255.255.0;compress stub-v2");
        assertEquals("V4,dev-type tap,link-mtu 1604,tun-mtu 1500,proto UDPv4,ifconfig 10.8.0.0 255.255.255.0,comp-lzo,"
                + "keydir 0,cipher AES-256-CBC,auth SHA256,keysize 256,secret", OccStrings.local(tap));
        OpenVpnOptions subnet = SessionFixtures.options("0", "topology subnet;ifconfig 10.8.0.5 255.255.255.0");
        assertTrue(OccStrings.local(subnet).contains(",ifconfig 10.8.0.0 255.255.255.0,"));
        assertTrue(OccStrings.expectedRemote(subnet).contains(",ifconfig 10.8.0.0 255.255.255.0,"));
    }

    @Test
    void mismatchReportsEachDifferentItem() throws Exception {
        String mine = OccStrings.expectedRemote(SessionFixtures.options("0", ""));
        assertNull(OccStrings.mismatch(mine, mine));
        String theirs = mine.replace("tun-mtu 1500", "tun-mtu 1400").replace(",secret", ",mtu-dynamic");
        String m = OccStrings.mismatch(mine, theirs);
        assertTrue(m.contains("'tun-mtu' is used inconsistently, local='tun-mtu 1500', remote='tun-mtu 1400'"), m);
        assertTrue(m.contains("'secret' is present in local config but missing in remote config"), m);
        assertTrue(m.contains("'mtu-dynamic' is present in remote config but missing in local config"), m);
        assertTrue(OccStrings.mismatch(mine, "V3" + mine.substring(2)).contains("version differs"));
        String hostile = OccStrings.mismatch(mine, mine + ",evil \u0001\n'" + "x".repeat(500));
        assertTrue(hostile.chars().allMatch(c -> c >= 0x20 && c < 0x7F), hostile);
        assertTrue(hostile.length() < 400, "peer text is bounded");
    }
}
