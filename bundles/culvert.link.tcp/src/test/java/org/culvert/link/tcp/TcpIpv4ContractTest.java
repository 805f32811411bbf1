package org.culvert.link.tcp;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;

/** The link socket contract over IPv4 loopback: a tcp-server and a tcp-client. */
class TcpIpv4ContractTest extends LinkSocketContract {
    private final TcpLinkTransport transport = new TcpLinkTransport();

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
        return TcpPairs.open(transport, AddressFamily.IPV4, "127.0.0.1");
    }
}
