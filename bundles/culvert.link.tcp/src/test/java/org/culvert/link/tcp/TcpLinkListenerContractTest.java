package org.culvert.link.tcp;

import java.net.InetSocketAddress;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkListenerContract;

/** The TCP listener of a server with many clients passes the listener contract on IPv4 loopback. */
class TcpLinkListenerContractTest extends LinkListenerContract {
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
    protected LinkSpec listenSpec() {
        return TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").build();
    }

    @Override
    protected LinkSpec clientSpec(LinkListener listener) {
        return TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", ((InetSocketAddress) listener.local()).getPort()).build();
    }
}
