package org.culvert.link.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.Waitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;

/**
 * The listening socket of a TCP server with many clients ({@code tunnel_server_tcp}): non-blocking
 * {@code accept4}, each connection a {@link TcpAcceptedSocket} with TCP_NODELAY. Backlog 32, as
 * OpenVPN's {@code socket_listen_accept}. A spec with a {@code --remote} accepts only that host,
 * as the point-to-point server does; others are closed at once.
 *
 * <p>Threading as {@link LinkListener}: the descriptor is guarded by a {@link NativeFd}, so a racing
 * {@link #close()} never lets {@link #accept()} reach a reused descriptor number.
 */
final class TcpLinkListener implements LinkListener {
    /** OpenVPN listens with a backlog of 32 in server mode. */
    static final int BACKLOG = 32;

    private final LinkSpec spec;
    private final int family;
    private final int batchSize;
    private final InetAddress expectedPeer;
    private final NativeFd fd;
    private final FdWaitable waitable;
    private final InetSocketAddress local;
    private final ByteBuffer peerName = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE + 8);
    private final long peerNameAddress = DirectBuffers.address(peerName);
    private volatile boolean closed;
    private long refusedPeers;

    private TcpLinkListener(LinkSpec spec, int batchSize, TcpServerSocket.Listening l) {
        this.spec = spec;
        this.family = l.family();
        this.batchSize = batchSize;
        this.expectedPeer = l.expectedPeer();
        this.fd = new NativeFd(l.fd());
        this.waitable = new FdWaitable(l.fd());
        this.local = Net.localAddress(l.fd());
    }

    static TcpLinkListener open(LinkSpec spec, int batchSize) throws LinkException {
        return new TcpLinkListener(spec, batchSize, TcpServerSocket.listen(spec, BACKLOG));
    }

    @Override
    public Waitable waitable() {
        return waitable;
    }

    @Override
    public LinkSocket accept() throws LinkException {
        while (true) {
            if (closed || !fd.acquire()) {
                throw LinkErrors.closed();
            }
            int connection;
            InetSocketAddress peer;
            try {
                connection = TcpServerSocket.acceptOne(fd.fd(), peerName, peerNameAddress);
                if (connection < 0) {
                    return null;
                }
                peer = TcpServerSocket.peerOf(peerName);
            } finally {
                fd.release();
            }
            if (expectedPeer != null && (peer == null || !expectedPeer.equals(peer.getAddress()))) {
                LibC.close(connection);
                refusedPeers++;
                continue;
            }
            return TcpAcceptedSocket.of(spec, family, batchSize, TcpServerSocket.adopt(connection), peer);
        }
    }

    @Override
    public SocketAddress local() {
        return local;
    }

    /** Connections closed because they did not come from the expected {@code --remote}; link thread. */
    long refusedPeers() {
        return refusedPeers;
    }

    @Override
    public void close() {
        closed = true;
        TcpLinkSocket.shutDown(fd);
    }

    @Override
    public String toString() {
        return "tcp link listener " + local + (closed ? " (closed)" : "");
    }
}
