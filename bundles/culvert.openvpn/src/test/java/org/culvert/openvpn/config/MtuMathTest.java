package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MtuMathTest {
    @TempDir
    Path dir;

    @BeforeEach
    void key() throws Exception {
        ConfigFixtures.writeKey(dir, "k", ConfigFixtures.keyBlock(ConfigFixtures.keyHex()));
    }

    private OpenVpnOptions options(String extra) throws Exception {
        return ConfigParser.parse("dev tun\nsecret k\n" + extra.replace(";", "\n") + "\n", "t.conf", dir);
    }

    /**
     * OpenVPN's test_occ_mtu_calculation (static-key rows with ciphers Culvert has; facts sheet
     * §13.1), plus the link-mtu 1560 captured in §9.2 and the TCP/compression increments.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "tun-mtu 1400;cipher none;auth none|1408",
        "tun-mtu 1400;cipher AES-128-CBC;auth none|1440",
        "tun-mtu 1400;cipher none;auth SHA256|1440",
        "cipher AES-256-CBC;auth SHA1|1560",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1|1460",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;proto tcp-server|1462",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;comp-lzo no|1461",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;compress stub-v2|1460",
        // Stock OpenVPN 2.6.14's "Local Options String" for the same settings.
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;comp-lzo yes|1461",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;compress lzo|1461",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;compress lz4|1461",
        "tun-mtu 1400;cipher AES-128-CBC;auth SHA1;compress lz4-v2|1460",
        "cipher AES-256-CBC;auth SHA256;dev tap|1604",
        "cipher AES-256-CBC;auth SHA256;dev tap;tun-mtu-extra 0|1572",
        "cipher AES-256-CBC;auth SHA256;tun-mtu-extra 32|1604",
    })
    void occLinkMtu(String config, int linkMtu) throws Exception {
        assertEquals(linkMtu, MtuMath.occLinkMtu(options(config)));
    }

    /**
     * MSS values observed on the wire: two stock OpenVPN 2.6.14 peers in network namespaces over an
     * IPv4 link, a TCP SYN (MSS 1460 / 1440) sent through the tunnel and read on the far tun.
     */
    @ParameterizedTest(name = "{0} -> {1}/{2}")
    @CsvSource(delimiter = '|', value = {
        "cipher AES-256-CBC;auth SHA256|1359|1339",
        "cipher AES-256-CBC;auth SHA256;comp-lzo no|1358|1338",
        "cipher none;auth none|1416|1396",
        "cipher AES-128-CBC;auth SHA1;tun-mtu 1400|1360|1340",
        "cipher AES-128-CBC;auth SHA1|1375|1355",
        "cipher AES-256-CBC;auth SHA512;mssfix 1400|1263|1243",
        "cipher AES-256-CBC;auth SHA256;mssfix 1450 mtu;compress stub-v2|1311|1291",
        "cipher AES-256-CBC;auth SHA256;mssfix 1300 fixed|1260|1240",
    })
    void mssFixMatchesOpenVpn(String config, int ipv4Mss, int ipv6Mss) throws Exception {
        OpenVpnOptions o = options(config + ";remote 10.201.0.2");
        assertEquals(ipv4Mss, MtuMath.mssFix(o, MtuMath.assumeIpv6Link(o)));
        assertEquals(ipv6Mss, MtuMath.mssFix(o, false) - 20);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "cipher AES-256-CBC;auth SHA256;remote 10.0.0.1|false",
        "cipher AES-256-CBC;auth SHA256;remote 2001:db8::1|true",
        "cipher AES-256-CBC;auth SHA256;remote vpn.example.com|false",
        "cipher AES-256-CBC;auth SHA256|true",
        "cipher AES-256-CBC;auth SHA256;proto udp4|false",
        "cipher AES-256-CBC;auth SHA256;proto udp6;remote 10.0.0.1|true",
    })
    void linkFamilyGuess(String config, boolean ipv6) throws Exception {
        assertEquals(ipv6, MtuMath.assumeIpv6Link(options(config)));
    }

    /** Derived from mss.c: 1492 - (48 + 8 UDP + 40 IPv6) = 1396, 1392 in blocks, 1391 - 48 = 1343. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "cipher AES-256-CBC;auth SHA256|1343",
        "cipher AES-256-CBC;auth SHA256;proto tcp-server|1327",
        "cipher AES-256-CBC;auth SHA256;mssfix 0|0",
    })
    void encapsulationOverIpv6AndTcp(String config, int mss) throws Exception {
        assertEquals(mss, MtuMath.mssFix(options(config), true));
    }
}
