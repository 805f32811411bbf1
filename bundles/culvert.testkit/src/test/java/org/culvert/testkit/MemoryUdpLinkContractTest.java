package org.culvert.testkit;

import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;

/** Memory datagram sockets pass the link contract. */
class MemoryUdpLinkContractTest extends LinkSocketContract {
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
    protected LinkSocket[] openPair() throws Exception {
        // Hosts unique to the pair: tests share one static network.
        String a = "udp-contract-a" + PAIRS.incrementAndGet();
        String b = "udp-contract-b" + PAIRS.get();
        LinkSocket first = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(a, 1194).remote(b, 1194).build());
        LinkSocket second = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(b, 1194).remote(a, 1194).build());
        return new LinkSocket[] { first, second };
    }
}
