package org.culvert.tunnel.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ScriptEnvTest {
    @Test
    void peerInfoKeepsValidIvAndUvLinesAndDefusesValues() {
        ScriptEnv e = new ScriptEnv(Map.of());
        int skipped = e.peerInfo("IV_VER=2.6.14\nIV_PLAT=linux\nUV_NAME=a b$(rm -rf /)`x`\nIV_BAD-NAME=1\nPATH=/evil\n"
                + "IV_GUI_VER=\"Net\"\r\n\nnoequals\n");
        assertEquals(3, skipped);
        assertEquals("2.6.14", e.get("IV_VER"));
        assertEquals("a_b__rm_-rf_/)_x_", e.get("UV_NAME"));
        assertEquals("\"Net\"", e.get("IV_GUI_VER"));
        assertNull(e.get("PATH"), "only IV_/UV_ names reach a script");
        assertNull(e.get("IV_BAD-NAME"));
    }

    @Test
    void addressesAsOpenVpnsSetenvSockaddr() throws Exception {
        ScriptEnv e = new ScriptEnv(Map.of());
        e.untrusted(new InetSocketAddress("198.51.100.7", 1194));
        assertEquals("198.51.100.7", e.get("untrusted_ip"));
        assertEquals("1194", e.get("untrusted_port"));
        e.untrusted(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 5000));
        assertEquals("2001:db8::1", e.get("untrusted_ip6"));
        assertNull(e.get("untrusted_ip"), "the old family's variable goes");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = (byte) 192;
        mapped[13] = 0;
        mapped[14] = 2;
        mapped[15] = 1;
        e.trusted(new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), 7));
        assertEquals("192.0.2.1", e.get("trusted_ip"));
        assertNull(e.get("trusted_ip6"));
    }

    @Test
    void virtualAddressesAsTopologyHasThem() {
        ScriptEnv e = new ScriptEnv(Map.of());
        e.virtualAddresses("10.8.0.6", null, "10.8.0.5", null, null, -1);
        assertEquals("10.8.0.6", e.get("ifconfig_pool_remote_ip"));
        assertEquals("10.8.0.5", e.get("ifconfig_pool_local_ip"));
        assertNull(e.get("ifconfig_pool_netmask"));
        assertNull(e.get("ifconfig_pool_ip6_netbits"));
        e.virtualAddresses("10.8.0.2", "255.255.255.0", "10.8.0.1", null, null, -1);
        assertEquals("255.255.255.0", e.get("ifconfig_pool_netmask"));
        assertNull(e.get("ifconfig_pool_local_ip"), "subnet: netmask instead of the local end");
        Map<String, String> snap = e.snapshot();
        e.put("x", "y");
        assertFalse(snap.containsKey("x"), "a snapshot is a copy");
    }
}
