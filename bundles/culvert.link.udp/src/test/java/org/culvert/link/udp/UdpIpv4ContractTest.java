package org.culvert.link.udp;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;

/** The link socket contract over IPv4 loopback; the second socket learns the first through its remote host name. */
class UdpIpv4ContractTest extends LinkSocketContract {
    private final UdpLinkTransport transport = makeTransport();

    /** The transport under test; subclasses configure another (called during construction). */
    protected UdpLinkTransport makeTransport() {
        return new UdpLinkTransport();
    }

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
        return UdpPairs.open(transport, AddressFamily.IPV4, "127.0.0.1");
    }
}
