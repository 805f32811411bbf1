package org.culvert.openvpn.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.crypto.Verdict;

/**
 * The load generator of issue 12's handshake storm, shared by {@code ServerStormTest} (in-process
 * server loop) and the e2e storm (a real server in a namespace): N Culvert pull clients, the TLS
 * engine's client role, each on a UDP socket of its own, all driven by the one thread that calls
 * {@link #step} and {@link #stepReady}. A client is connected once its PUSH_REPLY arrived and its
 * pushed keys are installed; {@link Hook} lets the caller send data from then on.
 */
public final class StormClients implements AutoCloseable {
    public static final int HEADROOM = 128;
    private static final int SLOT = HEADROOM + 4096;
    /** The real clock: the server on the other side runs on it too. */
    public static final Clock CLOCK = new Clock() {
        @Override
        public long monotonicMillis() {
            return System.nanoTime() / 1_000_000L;
        }

        @Override
        public long unixSeconds() {
            return System.currentTimeMillis() / 1000;
        }
    };

    /** What one {@link #step} found. */
    public enum Step {
        /** not connected yet */
        PENDING,
        /** its PUSH_REPLY was taken in this step (its keys are installed now) */
        CONNECTED_NOW,
        /** connected in an earlier step */
        CONNECTED
    }

    /** Called after each step of a client (on the generator's thread). */
    @FunctionalInterface
    public interface Hook {
        void afterStep(Client c, Step step, boolean timers) throws IOException;
    }

    /** One client: its engine, its socket, its pushed address once it has one. */
    public static final class Client {
        public final TlsSession session;
        final DatagramChannel socket;
        /** The address pushed to it (ifconfig), null until connected. */
        public Inet4Address address;
        /** Data packets the caller sent through {@link StormClients#send}. */
        public int dataSent;

        Client(TlsSession session, DatagramChannel socket) {
            this.session = session;
            this.socket = socket;
        }
    }

    private final InetSocketAddress server;
    private final InetAddress bind;
    private final Hook hook;
    private final SecureRandom random = new SecureRandom();
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocateDirect(SLOT);
    private final ByteBuffer slot = ByteBuffer.allocateDirect(SLOT);
    private final ByteBuffer tunPacket = ByteBuffer.allocate(SLOT);
    private final List<Client> clients = new ArrayList<>();

    /** Clients that talk to {@code server} from sockets bound to {@code bind} (any port); {@code hook} may be null. */
    public StormClients(InetSocketAddress server, InetAddress bind, Hook hook) throws IOException {
        this.server = server;
        this.bind = bind;
        this.hook = hook;
        this.selector = Selector.open();
    }

    /** A new client with {@code settings}, pulling {@code options} (its own client configuration). */
    public Client add(TlsSettings settings, OpenVpnOptions options) throws IOException, TlsConfigException {
        TlsSession s = new TlsSession(settings, CLOCK, random);
        s.pushReplies(() -> new PushReply(options));
        DatagramChannel socket = DatagramChannel.open();
        try {
            socket.bind(new InetSocketAddress(bind, 0));
            socket.connect(server);
            socket.configureBlocking(false);
            Client c = new Client(s, socket);
            socket.register(selector, SelectionKey.OP_READ, c);
            clients.add(c);
            return c;
        } catch (IOException | RuntimeException e) {
            socket.close();
            s.close();
            throw e;
        }
    }

    /** One round for {@code c}: its timers (if {@code timers}), what arrived, its pushed keys, what its engine has to send. */
    public Step step(Client c, boolean timers) throws IOException {
        if (timers) {
            c.session.checkTimers();
        }
        while (c.socket.isOpen()) {
            in.clear().position(HEADROOM);
            int n;
            try {
                n = c.socket.read(in);
            } catch (java.net.PortUnreachableException e) {
                continue; // an ICMP error from before the server listened; the engine's retries go on
            }
            if (n <= 0) {
                break;
            }
            in.limit(in.position()).position(HEADROOM);
            c.session.decapsulate(in);
        }
        Step step = c.address != null ? Step.CONNECTED : Step.PENDING;
        if (c.address == null && c.session.pushReady()) {
            c.session.installPushedKeys();
            c.address = c.session.pushedOptions().ifconfig().orElseThrow().local();
            step = Step.CONNECTED_NOW;
        }
        while (c.socket.isOpen() && c.session.state() != TlsSession.State.CLOSED && c.session.pollOutgoing(slot.clear(), HEADROOM)) {
            write(c, slot);
        }
        if (hook != null) {
            hook.afterStep(c, step, timers);
        }
        return step;
    }

    /** Waits up to {@code millis} for datagrams and steps (without timers) each client that has some. */
    public void stepReady(long millis) throws IOException {
        selector.select(millis);
        for (SelectionKey k : selector.selectedKeys()) {
            step((Client) k.attachment(), false);
        }
        selector.selectedKeys().clear();
    }

    /** Seals {@code ipPacket} (an IP packet from the client's pushed address) with the client's data key and sends it. */
    public void send(Client c, byte[] ipPacket) throws IOException {
        tunPacket.clear().position(HEADROOM);
        tunPacket.put(ipPacket);
        tunPacket.limit(tunPacket.position()).position(HEADROOM);
        Verdict v = c.session.encapsulate(tunPacket);
        if (v != Verdict.OK) {
            throw new IllegalStateException("encapsulate: " + v);
        }
        write(c, tunPacket);
        c.dataSent++;
    }

    private static void write(Client c, ByteBuffer packet) throws IOException {
        try {
            c.socket.write(packet); // a datagram the kernel will not take is lost, as on a real link
        } catch (java.net.PortUnreachableException e) {
            // an ICMP error queued on the socket: the packet is lost; the engine resends
        }
    }

    /** Closes the clients' sessions and sockets without a word to the server (it keeps them until ping-restart). */
    public void release(List<Client> which) throws IOException {
        for (Client c : which) {
            c.session.close();
            c.socket.close();
        }
        clients.removeAll(which);
        selector.selectNow(); // lets go of the closed channels' keys, which hold the clients
    }

    @Override
    public void close() throws IOException {
        release(new ArrayList<>(clients));
        selector.close();
    }
}
