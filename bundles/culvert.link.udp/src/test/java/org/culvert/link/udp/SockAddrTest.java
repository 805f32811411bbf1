package org.culvert.link.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;
import org.junit.jupiter.api.Test;

/** The sockaddr codec of the platform bundle, which this transport relies on for every peer address. */
class SockAddrTest {
    private final ByteBuffer buffer = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE + 8);

    @Test
    void ipv4RoundTripsWithThePortInNetworkOrder() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 0x1234);
        assertEquals(SockAddr.IN_SIZE, SockAddr.encode(a, Net.AF_INET, buffer, 8));
        assertEquals(Net.AF_INET, SockAddr.familyAt(buffer, 8));
        assertEquals(0x12, buffer.get(8 + 2));
        assertEquals(0x34, buffer.get(8 + 3));
        assertEquals((byte) 192, buffer.get(8 + 4));
        assertEquals(a, SockAddr.decode(buffer, 8, SockAddr.IN_SIZE));
    }

    @Test
    void ipv4OnAnIpv6SocketBecomesMappedAndDecodesBackToIpv4() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1194);
        assertEquals(SockAddr.IN6_SIZE, SockAddr.encode(a, Net.AF_INET6, buffer, 0));
        assertEquals(Net.AF_INET6, SockAddr.familyAt(buffer, 0));
        assertEquals((byte) 0xFF, buffer.get(8 + 10));
        assertEquals((byte) 0xFF, buffer.get(8 + 11));
        InetSocketAddress back = SockAddr.decode(buffer, 0, SockAddr.IN6_SIZE);
        assertInstanceOf(Inet4Address.class, back.getAddress());
        assertEquals(a, back);
    }

    @Test
    void ipv6KeepsItsScope() throws Exception {
        Inet6Address linkLocal = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3);
        InetSocketAddress a = new InetSocketAddress(linkLocal, 443);
        SockAddr.encode(a, Net.AF_INET6, buffer, 0);
        InetSocketAddress back = SockAddr.decode(buffer, 0, SockAddr.IN6_SIZE);
        assertEquals(3, ((Inet6Address) back.getAddress()).getScopeId());
        assertEquals(a, back);
        InetSocketAddress loop = new InetSocketAddress(InetAddress.getByName("::1"), 1);
        SockAddr.encode(loop, Net.AF_INET6, buffer, 0);
        assertEquals(loop, SockAddr.decode(buffer, 0, SockAddr.IN6_SIZE));
    }

    @Test
    void badInputIsRefused() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 1);
        assertThrows(IllegalArgumentException.class, () -> SockAddr.encode(v6, Net.AF_INET, buffer, 0));
        assertThrows(IllegalArgumentException.class, () -> SockAddr.encode(InetSocketAddress.createUnresolved("x", 1), Net.AF_INET, buffer, 0));
        assertThrows(IllegalArgumentException.class, () -> SockAddr.encode(v6, 1, buffer, 0));
        assertThrows(IllegalArgumentException.class, () -> SockAddr.size(99));
        buffer.putShort(0, (short) 1); // AF_UNIX
        assertNull(SockAddr.decode(buffer, 0, 110));
        SockAddr.encode(v6, Net.AF_INET6, buffer, 0);
        assertNull(SockAddr.decode(buffer, 0, SockAddr.IN6_SIZE - 1), "too short for its family");
        assertNull(SockAddr.decode(buffer, 0, 1));
    }
}
