package org.culvert.link.winsock;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.contract.LinkSocketContract;
import org.junit.jupiter.api.AfterEach;

/** The link socket contract for tcp over ::1 on the fake Winsock, waited on by the real win32 backend. */
class TcpIpv6ContractTest extends LinkSocketContract {
    private final FakeWinsock winsock = new FakeWinsock();

    @Override
    protected LinkTransport transport() {
        return winsock.transport;
    }

    @Override
    protected EventBackend backend() {
        return winsock.backend;
    }

    @Override
    protected LinkSocket[] openPair() throws Exception {
        return Pairs.tcp(winsock.transport, AddressFamily.IPV6, "::1");
    }

    /** After the contract's own cleanup (a subclass's own @AfterEach would run before it): nothing misused or left open. */
    @Override
    @AfterEach
    public void closeLinkPair() {
        super.closeLinkPair();
        winsock.assertClean();
    }
}
