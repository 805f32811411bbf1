package org.culvert.link.udp;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;

/** The link socket contract with UDP GSO and GRO off ({@code gso_gro = false}, as on a kernel without them). */
class UdpNoOffloadContractTest extends LinkSocketContract {
    private final UdpLinkTransport transport = UdpPairs.transport(UdpLinkTransport.DEFAULT_BATCH_SIZE, false);

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
