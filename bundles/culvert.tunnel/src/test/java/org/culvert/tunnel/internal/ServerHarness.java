package org.culvert.tunnel.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.openvpn.tls.TlsSettingsFactory;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkListener;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunDevice;
import org.culvert.testkit.MemoryTunDriver;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;

/**
 * One server loop over the in-memory plugins and point-to-point TLS clients (the core's own
 * {@code tls-client} tunnels) against it: certificates from one test CA, client {@code i} with common
 * name {@code client<i>} and address {@code 10.8.0.(10+i)}.
 */
final class ServerHarness implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger(9000);
    static final TestPki.Identity CA = TestPki.ca("culvert-test-ca");
    static final TestPki.Identity SERVER = TestPki.issue(CA, "server", TestPki.Usage.SERVER, false, false);
    private static final Map<Integer, TestPki.Identity> CLIENTS = new ConcurrentHashMap<>();

    final int id = SEQ.incrementAndGet();
    final MemoryRunners memory = new MemoryRunners();
    final List<ServerClientEvent> events = new CopyOnWriteArrayList<>();
    /** Leases by common name; tests add iroutes before clients connect. */
    final Map<String, ClientAddressing.Lease> leases = new ConcurrentHashMap<>();
    final List<String> released = new CopyOnWriteArrayList<>();
    ServerLoop loop;
    ServerView view;
    MemoryLinkSocket link;
    /** The server's socket: {@link #link}, or the one a test gave. */
    org.culvert.api.link.LinkSocket linkSocket;
    /** Over TCP: the server's listener (then {@link #link} is null). */
    MemoryLinkListener listener;
    /** The clients' {@code --proto}: udp, or tcp-client for a TCP server. */
    String clientProto = "udp";
    MemoryTunDevice tun;
    /** Wraps {@link #tun} for the loop (set before starting); the loop reads and writes the wrapped device. */
    java.util.function.UnaryOperator<org.culvert.api.tun.TunDevice> tunWrap = t -> t;
    /** What the loop uses: {@link #tun}, wrapped. */
    private org.culvert.api.tun.TunDevice loopTun;
    MemoryTunOsSide os;
    private Thread thread;
    final TunnelLog log;

    ServerHarness() {
        log = new TunnelLog("srv" + id);
    }

    static TestPki.Identity identity(int i) {
        return CLIENTS.computeIfAbsent(i, n -> TestPki.issue(CA, "client" + n, TestPki.Usage.CLIENT, false, false));
    }

    /** An IPv4/UDP packet from {@code from}:1000 to {@code to}:2000 carrying {@code text}. */
    static byte[] udp(String from, String to, String text) {
        return org.culvert.testkit.Packets.ipv4Udp(ip(from), 1000, ip(to), 2000, text.getBytes());
    }

    static Inet4Address ip(String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String clientAddress(int i) {
        return "10.8.0." + (10 + i);
    }

    static String pem(String tag, String body) {
        return "<" + tag + ">\n" + body + "</" + tag + ">\n";
    }

    /** The stand-in engines for a server with {@code extra} configuration lines (e.g. ping and ping-restart). */
    TlsServerEngines engines(String extra) throws Exception {
        String config = "dev tun\ntls-server\ndh none\ndata-ciphers AES-256-GCM\n" + pem("ca", CA.certPem()) + pem("cert", SERVER.certPem())
                + pem("key", SERVER.keyPem()) + extra;
        OpenVpnOptions options = ConfigParser.parse(config, "server.conf", null);
        return new TlsServerEngines(options, TlsSettingsFactory.fromOptions(options), LoopClock.SYSTEM);
    }

    /** Client {@code clientN} gets 10.8.0.(10+N) unless {@link #leases} says otherwise; releases are noted. */
    ClientAddressing addressing() {
        return new ClientAddressing() {
            @Override
            public Lease acquire(String commonName) {
                Lease l = leases.get(commonName);
                if (l == null && commonName.startsWith("client")) {
                    l = new Lease(clientAddress(Integer.parseInt(commonName.substring(6))), null, List.of(), commonName);
                }
                return l;
            }

            @Override
            public void release(Lease lease) {
                released.add(String.valueOf(lease.handle()));
            }
        };
    }

    /** Starts the server with {@code extra} configuration lines (e.g. ping and ping-restart). */
    void start(ServerPlan plan, String extra) throws Exception {
        start(plan, engines(extra));
    }

    /** Starts the server with {@code engines}. */
    void start(ServerPlan plan, ServerEngines engines) throws Exception {
        start(plan, engines, addressing());
    }

    /** Starts the server with {@code engines} and {@code addressing} (e.g. a configuration's own pool). */
    void start(ServerPlan plan, ServerEngines engines, ClientAddressing addressing) throws Exception {
        link = (MemoryLinkSocket) new MemoryLinkTransport(4096, 32).open(LinkSpec.builder(LinkProtocol.UDP).local("srv" + id, 1194).build());
        start(plan, engines, addressing, link);
    }

    /** Starts the server on {@code socket} (e.g. a real UDP socket) with {@code engines} and {@code addressing}. */
    void start(ServerPlan plan, ServerEngines engines, ClientAddressing addressing, org.culvert.api.link.LinkSocket socket) throws Exception {
        linkSocket = socket;
        start((backend, sink) -> new ServerLoop(plan, loopTun, socket, backend, engines, addressing, LoopClock.SYSTEM, log, sink));
    }

    /** Starts a TCP server ({@code tunnel_server_tcp}) on a memory listener at {@code srv<id>:1194}; clients use tcp-client. */
    void startTcp(ServerPlan plan, String extra) throws Exception {
        clientProto = "tcp-client";
        TlsServerEngines engines = engines("proto tcp-server\n" + extra);
        listener = new MemoryLinkTransport(4096, 32).listen(LinkSpec.builder(LinkProtocol.TCP_SERVER).local("srv" + id, 1194).build());
        ClientAddressing addressing = addressing();
        start((backend, sink) -> new ServerLoop(plan, loopTun, listener, backend, engines, addressing, LoopClock.SYSTEM, log, sink));
    }

    private interface LoopFactory {
        ServerLoop make(MemoryEventBackend backend, java.util.function.Consumer<ServerClientEvent> sink) throws Exception;
    }

    private void start(LoopFactory factory) throws Exception {
        tun = new MemoryTunDriver(4096, 32).open(TunSpec.builder(TunLayer.TUN).name("memsrv" + id).build());
        loopTun = tunWrap.apply(tun);
        os = MemoryTunHub.awaitOsSide("memsrv" + id, 5000);
        view = new ServerView("srv" + id, null, List::of, LoopClock.SYSTEM, log);
        java.util.function.Consumer<ServerClientEvent> sink = view.sink();
        loop = factory.make(new MemoryEventBackend(), e -> {
            events.add(e);
            sink.accept(e);
        });
        view.attach(loop);
        thread = new Thread(() -> {
            try {
                loop.run("srv" + id);
            } catch (Exception e) {
                log.error("server loop failed", e);
            }
        }, "server-harness-" + id);
        thread.start();
    }

    /** Client {@code i}'s configuration: a p2p tls-client to the server, its own certificate. */
    String clientConfig(int i, String extra) {
        return clientConfig(i, i, extra);
    }

    /** Client {@code i} with the certificate of client {@code as} (a shared common name). */
    String clientConfig(int i, int as, String extra) {
        TestPki.Identity me = identity(as);
        return "dev memc" + i + "_" + id + "\ndev-type tun\nproto " + clientProto + "\nlocal c" + i + "_" + id + "\nlport 1194\nremote srv" + id
                + "\nrport 1194\ntls-client\ndata-ciphers AES-256-GCM\n" + pem("ca", CA.certPem()) + pem("cert", me.certPem())
                + pem("key", me.keyPem()) + extra;
    }

    /** Starts client {@code i}; returns its tun's OS side once it exists. */
    TunnelRunner client(int i, String extra) throws Exception {
        return client(i, i, extra);
    }

    /** Starts client {@code i} with client {@code as}'s certificate. */
    TunnelRunner client(int i, int as, String extra) throws Exception {
        TunnelRunner r = memory.fromConfig("c" + i + "_" + id, clientConfig(i, as, extra), new RecordingSink(), new Counters(), LoopClock.SYSTEM);
        r.start();
        return r;
    }

    /** A raw UDP socket at {@code host:1194} on the memory network, aimed at the server. */
    MemoryLinkSocket rawSocket(String host) throws Exception {
        return (MemoryLinkSocket) new MemoryLinkTransport().open(LinkSpec.builder(LinkProtocol.UDP).local(host, 1194).remote("srv" + id, 1194).build());
    }

    /** Sends {@code packet} as one datagram from {@code socket}. */
    static void send(MemoryLinkSocket socket, byte[] packet) throws Exception {
        org.culvert.api.packet.PacketBatch batch = org.culvert.api.packet.PacketBatch.allocate(1, 0, 2048);
        batch.slot(0).put(packet).flip();
        batch.count(1);
        if (socket.send(batch, 0) != 1) {
            throw new IllegalStateException("not sent");
        }
    }

    /** Waits up to {@code millis} for the server loop's {@code run} to return; true if it did. */
    boolean awaitLoopEnd(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    /** Client {@code i} (at its default address) carries a packet each way within 5 s; {@code tag} names the moment. */
    void assertCarries(int i, String tag) throws Exception {
        MemoryTunOsSide c = clientOs(i);
        byte[] down = udp("10.9.0.1", clientAddress(i), "to " + i + " " + tag);
        org.junit.jupiter.api.Assertions.assertTrue(os.inject(down));
        org.junit.jupiter.api.Assertions.assertArrayEquals(down, c.take(5000), () -> tag + ": " + loop.counters().drops());
        byte[] up = udp(clientAddress(i), "10.9.0.1", "from " + i + " " + tag);
        org.junit.jupiter.api.Assertions.assertTrue(c.inject(up));
        org.junit.jupiter.api.Assertions.assertArrayEquals(up, os.take(5000), () -> tag + ": " + loop.counters().drops());
    }

    MemoryTunOsSide clientOs(int i) throws InterruptedException {
        return MemoryTunHub.awaitOsSide("memc" + i + "_" + id, 10_000);
    }

    /** Waits until the clients named are established (each once). */
    void awaitEstablished(String... commonNames) throws InterruptedException {
        MemoryRunners.awaitTrue(() -> {
            for (String cn : commonNames) {
                if (view.clients().stream().noneMatch(c -> c.established() && c.commonName().equals(cn))) {
                    return false;
                }
            }
            return true;
        }, () -> "clients " + List.of(commonNames) + " not established: " + view.clients() + "\n" + log.recent());
    }

    ServerClient clientNamed(String cn) {
        return view.clients().stream().filter(c -> c.commonName().equals(cn)).findFirst().orElse(null);
    }

    @Override
    public void close() throws Exception {
        memory.stopAll();
        if (loop != null) {
            loop.requestExit();
            thread.join(10_000);
        }
        if (view != null) {
            view.close();
        }
        if (linkSocket != null) {
            linkSocket.close();
        }
        if (listener != null) {
            listener.close();
        }
        if (tun != null) {
            tun.close();
        }
    }
}
