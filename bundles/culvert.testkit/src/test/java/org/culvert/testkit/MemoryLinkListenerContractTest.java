package org.culvert.testkit;

import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkListenerContract;

/** The memory transport's listener passes the listener contract. */
class MemoryLinkListenerContractTest extends LinkListenerContract {
    private static final AtomicInteger SERVERS = new AtomicInteger();
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
    protected LinkSpec listenSpec() {
        return LinkSpec.builder(LinkProtocol.TCP_SERVER).local("listener-contract" + SERVERS.incrementAndGet(), 1194).build();
    }

    @Override
    protected LinkSpec clientSpec(LinkListener listener) {
        MemoryAddress a = (MemoryAddress) listener.local();
        return LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).remote(a.host(), a.port()).build();
    }
}
