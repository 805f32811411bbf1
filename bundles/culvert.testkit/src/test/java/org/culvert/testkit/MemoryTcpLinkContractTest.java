package org.culvert.testkit;

import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;

/** Memory stream sockets (tcp-server, tcp-client) pass the link contract. */
class MemoryTcpLinkContractTest extends LinkSocketContract {
    private static final AtomicInteger PAIRS = new AtomicInteger();
    private final MemoryLinkTransport transport = new MemoryLinkTransport();

    @Override
    protected LinkTransport transport() {
        return transport;
    }

    @Override
    protected EventBackend backend() {
        return new MemoryEventBackend();
    }

    @Override
    protected int maxPacketSize() {
        return 1400;
    }

    @Override
    protected LinkSocket[] openPair() throws Exception {
        String server = "tcp-contract-server" + PAIRS.incrementAndGet();
        LinkSocket first = transport.open(LinkSpec.builder(LinkProtocol.TCP_SERVER).local(server, 1194).maxPacketSize(1400).build());
        LinkSocket second = transport.open(
                LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).remote(server, 1194).maxPacketSize(1400).build());
        return new LinkSocket[] { first, second };
    }
}
