package org.culvert.link.tcp;

import java.net.InetSocketAddress;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.linux.NativeFd;

/**
 * One client's stream, accepted by {@link TcpLinkListener}: established from the start, framing as
 * every {@link TcpLinkSocket}.
 */
final class TcpAcceptedSocket extends TcpLinkSocket {
    private TcpAcceptedSocket(LinkSpec spec, int family, int batchSize) {
        super(spec, family, batchSize);
    }

    /** Takes ownership of {@code stream}; closes it when that fails. */
    static TcpAcceptedSocket of(LinkSpec spec, int family, int batchSize, NativeFd stream, InetSocketAddress peer) throws LinkException {
        TcpAcceptedSocket socket = new TcpAcceptedSocket(spec, family, batchSize);
        socket.established(stream, peer);
        return socket;
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.TCP_SERVER;
    }

    @Override
    protected boolean establishUntil(long deadlineNanos) {
        return true; // established from the start
    }
}
