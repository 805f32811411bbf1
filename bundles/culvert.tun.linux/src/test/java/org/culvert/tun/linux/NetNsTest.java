package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The test harness itself: children started from a thread that entered a namespace run in it. */
class NetNsTest {
    @Test
    void childProcessesInheritTheThreadsNamespace() throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        String outside = NetNs.run("readlink", "/proc/self/ns/net");
        String name;
        try (NetNs ns = NetNs.enter()) {
            name = ns.name;
            String inside = NetNs.run("readlink", "/proc/self/ns/net");
            assertFalse(outside.equals(inside), "child should be in the new namespace");
            String links = NetNs.run("ip", "-o", "link");
            assertTrue(links.contains("lo") && links.trim().split("\n").length == 1, links);
        }
        assertTrue(outside.equals(NetNs.run("readlink", "/proc/self/ns/net")));
        assertFalse(NetNs.run("ip", "netns", "list").contains(name));
    }
}
