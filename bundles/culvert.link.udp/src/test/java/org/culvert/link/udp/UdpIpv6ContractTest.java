package org.culvert.link.udp;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;

/** The link socket contract over IPv6 loopback. */
class UdpIpv6ContractTest extends LinkSocketContract {
    private final UdpLinkTransport transport = new UdpLinkTransport();

    @Override
    protected LinkTransport transport() {
        return transport;
    }

    @Override
    protected EventBackend backend() {
        return Readiness.BACKEND;
    }

    @Override
    protected LinkSocket[] openPair() throws Exception {
        return UdpPairs.open(transport, AddressFamily.IPV6, "::1");
    }
}
