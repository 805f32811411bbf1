package org.culvert.tunnel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;

import org.culvert.api.tunnel.ServerClient;

/**
 * One client of the server: OpenVPN's {@code struct multi_instance}. Its engine and timers belong to
 * the data thread that owns it ({@link #owner}), or to the handshake worker it is lent to meanwhile
 * ({@link #loan}), so its packets keep their order; the link thread only
 * reads {@link #real} and hands packets over. Other threads see the published fields below.
 */
final class MultiInstance {
    private static final VarHandle BYTES_IN;
    private static final VarHandle BYTES_OUT;

    static {
        try {
            BYTES_IN = MethodHandles.lookup().findVarHandle(MultiInstance.class, "bytesIn", long.class);
            BYTES_OUT = MethodHandles.lookup().findVarHandle(MultiInstance.class, "bytesOut", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** OpenVPN's CID. */
    final long clientId;
    final PeerSession session;
    final ServerDataThread owner;
    final Instant connectedSince;
    /**
     * The client's session id (bytes 1..8 of each of its control packets), from the packet that made
     * the instance; link thread only. A control packet from its address with another id is a new
     * session (a restarted client, or a forgery) and is screened like a stranger's.
     */
    long clientSessionId;
    /** Whether {@link #clientSessionId} is known (the creating packet was long enough). Link thread only. */
    boolean clientSessionKnown;
    /** The client's link address; changes on float (the owning thread writes it). */
    volatile SocketAddress real;
    /** Over TCP, its connection ({@link MultiTcp.Stream}); null over UDP. Link thread only. */
    Object linkStream;
    /** The peer-id registered for it, or -1. */
    volatile int peerId = -1;
    volatile String commonName = ServerClient.UNDEF;
    volatile String username = ServerClient.UNDEF;
    volatile String dataCipher = "";
    /** The engine published its CONNECT already (before the decision, for {@code --management-client-auth}). */
    volatile boolean connectTold;
    /** OpenVPN's CAS_CONNECT_DONE: keys, address and routes in place. */
    volatile boolean established;
    /** Closed (or closing): packets for it are dropped. */
    volatile boolean halted;
    /** {@code multi_delete_dup} has run for this client (it runs once per connection). Owner thread. */
    boolean duplicatesDeleted;
    /** client-kill: when to close, monotonic ms; 0 for none. Owner thread. */
    long closeAtMillis;
    /** The addresses from {@link ClientAddressing}; set by the owner thread, taken back once by {@link #takeLease}. */
    private ClientAddressing.Lease lease;
    /** The engine's own state of this client (authentication, scripts); owner thread. */
    Object engineState;
    /** The peer-id the engine gave it, released at close; -1 for none. Owner thread. */
    int assignedPeerId = -1;
    volatile String virtualAddress = "";
    volatile String virtualIpv6Address = "";
    /** Owner thread: the key generation last seen (a later one is a REAUTH). */
    int keyGeneration;
    /** Owner data thread: the loan while a handshake worker has the client ({@link HandshakeWorkers}), else null. */
    HandshakeWorkers.Loan loan;
    /** Owner data thread: what waits for the client's return from its worker (a close, a client-kill), or null. */
    Runnable afterLoan;
    /** Owner thread: the next time its timers are due. */
    long nextTimer;
    private long bytesIn;
    private long bytesOut;
    /**
     * Link packets handed to the owner (written by the link thread only) and taken by it (owner
     * only): their difference is what this client holds of its thread's queue, which is bounded so
     * that one flooding client cannot fill the queue its thread shares with others.
     */
    private volatile long linkHanded;
    private volatile long linkTaken;

    MultiInstance(long clientId, PeerSession session, ServerDataThread owner, SocketAddress real, Instant since) {
        this.clientId = clientId;
        this.session = session;
        this.owner = owner;
        this.real = real;
        this.connectedSince = since;
    }

    synchronized ClientAddressing.Lease lease() {
        return lease;
    }

    synchronized void lease(ClientAddressing.Lease l) {
        lease = l;
    }

    /** The lease, once: whoever takes it (its close, or a newer client of its name) releases it. Any thread. */
    synchronized ClientAddressing.Lease takeLease() {
        ClientAddressing.Lease l = lease;
        lease = null;
        return l;
    }

    /** Owner thread only (a single writer, so no atomic read-modify-write). */
    void read(long bytes) {
        BYTES_IN.setRelease(this, (long) BYTES_IN.getOpaque(this) + bytes);
    }

    void wrote(long bytes) {
        BYTES_OUT.setRelease(this, (long) BYTES_OUT.getOpaque(this) + bytes);
    }

    /** Link thread: may one more link packet of this client be queued, with {@code cap} the most it may hold? */
    boolean mayQueueLink(int cap) {
        return linkHanded - linkTaken < cap;
    }

    /** Link thread only (a single writer). */
    @SuppressWarnings("NonAtomicOperationOnVolatileField")
    void linkHanded() {
        linkHanded = linkHanded + 1;
    }

    /** Owner thread only (a single writer). */
    @SuppressWarnings("NonAtomicOperationOnVolatileField")
    void linkTaken() {
        linkTaken = linkTaken + 1;
    }

    /** A snapshot for {@code TunnelServer.clients()}. Allocates. */
    ServerClient snapshot() {
        SocketAddress r = real;
        InetSocketAddress address = r instanceof InetSocketAddress ? (InetSocketAddress) r : InetSocketAddress.createUnresolved(String.valueOf(r), 0);
        return new ServerClient(clientId, commonName, username, address, virtualAddress, virtualIpv6Address,
                (long) BYTES_IN.getAcquire(this), (long) BYTES_OUT.getAcquire(this), connectedSince, peerId, dataCipher, established);
    }

    @Override
    public String toString() {
        return commonName + "/" + real;
    }
}
