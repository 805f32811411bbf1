package org.culvert.testkit;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;

/**
 * A link transport over the in-process {@link MemoryNetwork}, for every protocol: see
 * {@link MemoryLinkSocket} for what each does. A socket binds to the spec's
 * {@code localHost:localPort} ({@code *} when no host is given; an ephemeral port under
 * {@code --nobind} or port 0) and sends to {@code remoteHost:remotePort}. Host names are just names:
 * nothing resolves, and the address family is ignored.
 *
 * <p>Thread-safe. Counts the sockets it opened and closed. The {@code culvert.link.memory} bundle
 * registers a subclass as its {@code LinkTransport} service.
 */
public class MemoryLinkTransport implements LinkTransport {
    /** Packets a socket queues before datagrams to it are dropped or stream peers stop being writable. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    /** Packets one receive or send handles. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private static final Set<LinkProtocol> PROTOCOLS = Collections.unmodifiableSet(EnumSet.allOf(LinkProtocol.class));

    private final int queueCapacity;
    private final int batchSize;
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();
    private final Set<MemoryLinkSocket> openSockets = ConcurrentHashMap.newKeySet();
    private final Set<MemoryLinkListener> openListeners = ConcurrentHashMap.newKeySet();

    public MemoryLinkTransport() {
        this(DEFAULT_QUEUE_CAPACITY, DEFAULT_BATCH_SIZE);
    }

    /**
     * @param queueCapacity packets each socket's receive queue holds (at least 1)
     * @param batchSize packets one receive or send handles (at least 1)
     */
    public MemoryLinkTransport(int queueCapacity, int batchSize) {
        if (queueCapacity < 1 || batchSize < 1) {
            throw new IllegalArgumentException("queueCapacity " + queueCapacity + ", batchSize " + batchSize);
        }
        this.queueCapacity = queueCapacity;
        this.batchSize = batchSize;
    }

    @Override
    public Set<LinkProtocol> protocols() {
        return PROTOCOLS;
    }

    /**
     * @throws LinkException ADDRESS_IN_USE when the local address is bound; UNSUPPORTED for a
     *                       tcp-client without a remote host or a maximum packet size outside 1..65535
     */
    @Override
    public MemoryLinkSocket open(LinkSpec spec) throws LinkException {
        Objects.requireNonNull(spec, "spec");
        LinkProtocol protocol = spec.protocol();
        if (spec.maxPacketSize() < 1 || spec.maxPacketSize() > MemoryLinkSocket.MAX_FRAME) {
            throw new LinkException(LinkException.Reason.UNSUPPORTED, "maximum packet size " + spec.maxPacketSize() + " outside 1..65535");
        }
        if (protocol == LinkProtocol.TCP_CLIENT && spec.remoteHost() == null) {
            throw new LinkException(LinkException.Reason.UNSUPPORTED, "tcp-client needs a remote host");
        }
        MemoryAddress remote = spec.remoteHost() == null ? null : MemoryAddress.of(spec.remoteHost(), spec.remotePort());
        int localPort = spec.bind() ? spec.localPort() : 0;
        MemoryLinkSocket socket = new MemoryLinkSocket(this, protocol, spec.localHost(), localPort, remote, spec.maxPacketSize(),
                queueCapacity, batchSize);
        openSockets.add(socket);
        opens.incrementAndGet();
        return socket;
    }

    /**
     * A listener for many stream clients on the spec's local address.
     *
     * @throws LinkException UNSUPPORTED unless tcp-server with a maximum packet size in 1..65535;
     *                       ADDRESS_IN_USE when the address is bound
     */
    @Override
    public MemoryLinkListener listen(LinkSpec spec) throws LinkException {
        Objects.requireNonNull(spec, "spec");
        if (spec.protocol() != LinkProtocol.TCP_SERVER) {
            throw new LinkException(LinkException.Reason.UNSUPPORTED, "only tcp-server listens, not " + spec.protocol().optionName());
        }
        if (spec.maxPacketSize() < 1 || spec.maxPacketSize() > MemoryLinkSocket.MAX_FRAME) {
            throw new LinkException(LinkException.Reason.UNSUPPORTED, "maximum packet size " + spec.maxPacketSize() + " outside 1..65535");
        }
        MemoryLinkListener l = new MemoryLinkListener(this, spec, queueCapacity, batchSize);
        openListeners.add(l);
        return l;
    }

    /** A listener's accepted stream, counted as opened. */
    void accepted(MemoryLinkSocket socket) {
        openSockets.add(socket);
        opens.incrementAndGet();
    }

    /** Called by each listener when it closes. */
    void closed(MemoryLinkListener listener) {
        openListeners.remove(listener);
    }

    /** Called once by each socket on its first close. */
    void closed(MemoryLinkSocket socket) {
        if (openSockets.remove(socket)) {
            closes.incrementAndGet();
        }
    }

    public int openCount() {
        return opens.get();
    }

    /** Sockets closed so far (each counted once). */
    public int closeCount() {
        return closes.get();
    }

    public int openSocketCount() {
        return openSockets.size();
    }

    /** Closes every socket and listener this transport opened that is still open (e.g. when its bundle stops). */
    public void closeAll() {
        for (MemoryLinkListener l : openListeners.toArray(new MemoryLinkListener[0])) {
            l.close();
        }
        for (MemoryLinkSocket s : openSockets.toArray(new MemoryLinkSocket[0])) {
            s.close();
        }
    }
}
