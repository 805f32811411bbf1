package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.Semaphore;

import org.culvert.api.event.SignalWaitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.packet.PacketBatch;

/**
 * A server's UDP link socket on a real kernel socket at 127.0.0.1 (a JDK {@link DatagramChannel}),
 * waitable by the in-memory event backend: a watcher thread selects on the channel and raises the
 * {@link SignalWaitable}; the loop lowers it when a receive finds nothing, and the watcher selects
 * again (level-triggered, so a datagram that came in between raises it at once). Lets a test run the
 * server loop with the real engines, which need {@link InetSocketAddress} sources, beside the memory
 * tun.
 */
final class LoopbackUdpSocket implements LinkSocket {
    private final DatagramChannel channel;
    private final Selector selector;
    private final SignalWaitable waitable = new SignalWaitable("loopback udp", false, true);
    private final Semaphore rearm = new Semaphore(0);
    private final Thread watcher;
    private final int batchSize;
    private volatile boolean closed;
    private SocketAddress remote;
    /** Datagrams the kernel would not take (send buffer full): dropped and counted, as the UDP transport does. */
    long sendDrops;

    LoopbackUdpSocket(int batchSize) throws IOException {
        this.batchSize = batchSize;
        channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, 8 << 20);
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        channel.configureBlocking(false);
        selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        watcher = new Thread(this::watch, "loopback-udp-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void watch() {
        try {
            while (!closed) {
                if (selector.select() > 0) {
                    selector.selectedKeys().clear();
                    waitable.setReadable(true);
                    rearm.acquire(); // until a receive found the socket empty
                }
            }
        } catch (IOException | InterruptedException | java.nio.channels.ClosedSelectorException e) {
            // closed
        }
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.UDP;
    }

    @Override
    public boolean establish(long timeoutMillis) {
        return true;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public SignalWaitable waitable() {
        return waitable;
    }

    @Override
    public int receive(PacketBatch batch) throws LinkException {
        int max = Math.min(batch.capacity(), batchSize);
        int n = 0;
        try {
            while (n < max) {
                ByteBuffer slot = batch.prepareSlot(n);
                SocketAddress from = channel.receive(slot);
                if (from == null) {
                    waitable.setReadable(false);
                    if (rearm.availablePermits() == 0) {
                        rearm.release();
                    }
                    break;
                }
                slot.limit(slot.position()).position(batch.headroom());
                batch.source(n, from.equals(remote) ? null : from);
                n++;
            }
        } catch (IOException e) {
            throw new LinkException(LinkException.Reason.IO_ERROR, e.getMessage(), e);
        }
        batch.count(n);
        return n;
    }

    @Override
    public int send(PacketBatch batch, int from) throws LinkException {
        int i = from;
        try {
            for (; i < batch.count(); i++) {
                ByteBuffer b = batch.slot(i);
                int p = b.position();
                if (channel.send(b, remote) == 0) {
                    sendDrops++;
                }
                b.position(p);
            }
        } catch (IOException e) {
            throw new LinkException(LinkException.Reason.IO_ERROR, e.getMessage(), e);
        }
        return i - from;
    }

    @Override
    public SocketAddress remote() {
        return remote;
    }

    @Override
    public void remote(SocketAddress address) {
        remote = address;
    }

    @Override
    public InetSocketAddress local() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        rearm.release();
        try {
            selector.close();
            channel.close();
        } catch (IOException e) {
            // closing
        }
    }
}
