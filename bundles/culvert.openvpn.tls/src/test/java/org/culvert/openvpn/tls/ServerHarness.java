package org.culvert.openvpn.tls;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.session.Incoming;

/**
 * One {@code mode server} engine side and many Culvert pull clients over in-memory lossy wires,
 * stepped on a shared {@link FakeClock}, as the server loop would drive them: packets from an address
 * without an instance go through one {@link HandshakeCookie}; an admitted packet creates that
 * client's {@link TlsSession} and is fed to it; a client whose key-method-2 message arrived is handed
 * to {@link #decide} (by default: accept, pushing an address and the generated protocol options).
 */
final class ServerHarness {
    final FakeClock clock = new FakeClock();
    final TlsSettings serverSettings;
    final HandshakeCookie cookie;
    final List<Client> clients = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();
    private final Random wireRandom;
    private final int dropOneIn;
    private final int reorderOneIn;
    private final ByteBuffer slot = ByteBuffer.allocateDirect(TlsPair.SLOT);
    private final byte[] reply = new byte[2048];
    /** The server loop's decision for a client whose key-method-2 message arrived. */
    BiConsumer<Client, ServerPull> decide = ServerHarness::acceptWithAddress;

    /** One client: its engine, its address, the two directions of its wire and its server instance. */
    static final class Client {
        final int index;
        final byte[] address;
        TlsSession session;
        /** Set by {@link ServerHarness#restart}; becomes {@link #session} at the next step. */
        TlsSession restarted;
        final TlsPair.Wire up;
        final TlsPair.Wire down;
        TlsSession instance;
        int peerId;
        final List<String> tunAtServer = new ArrayList<>();
        final List<String> tunAtClient = new ArrayList<>();

        Client(int index, TlsSession session, TlsPair.Wire up, TlsPair.Wire down) {
            this.index = index;
            this.address = new byte[] {10, 0, (byte) (index >> 8), (byte) index, 0x04, (byte) 0xAA};
            this.session = session;
            this.up = up;
            this.down = down;
        }
    }

    ServerHarness(TlsSettings serverSettings, long seed, int dropOneIn, int reorderOneIn) {
        this.serverSettings = serverSettings;
        this.cookie = new HandshakeCookie(serverSettings, clock, random);
        this.wireRandom = new Random(seed);
        this.dropOneIn = dropOneIn;
        this.reorderOneIn = reorderOneIn;
    }

    /** A mode-server tls-server with the test PKI. */
    static TlsSettings.Builder server() {
        return TlsSessionTest.server().serverMode(true);
    }

    /** A Culvert pull client's options ({@code client} + the test PKI + {@code extra}). */
    static OpenVpnOptions clientOptions(Path dir, String extra) throws Exception {
        Files.writeString(dir.resolve("client.crt"), TlsSessionTest.CLIENT.certPem());
        Files.writeString(dir.resolve("client.key"), TlsSessionTest.CLIENT.keyPem());
        return ConfigParser.parse("client\ndev tun\nremote 192.0.2.1\nnobind\ncert client.crt\nkey client.key\n"
                + "peer-fingerprint " + TlsSessionTest.SERVER.fingerprint() + "\n" + extra, "client.conf", dir);
    }

    Client addClient(OpenVpnOptions o) throws Exception {
        TlsSession s = new TlsSession(TlsSettingsFactory.fromOptions(o), clock, random);
        s.pushReplies(() -> new PushReply(o));
        Client c = new Client(clients.size(), s,
                new TlsPair.Wire(new Random(wireRandom.nextLong()), dropOneIn, reorderOneIn, 0, op -> false),
                new TlsPair.Wire(new Random(wireRandom.nextLong()), dropOneIn, reorderOneIn, 0, op -> false));
        clients.add(c);
        return c;
    }

    /** The client restarts: a new engine at the same address (its old instance stays until the new one is admitted). */
    void restart(Client c, OpenVpnOptions o) throws Exception {
        TlsSession s = new TlsSession(TlsSettingsFactory.fromOptions(o), clock, random);
        s.pushReplies(() -> new PushReply(o));
        c.session.close();
        c.restarted = s;
    }

    /** Accepts with {@code ifconfig 10.8.0.(2+i)}, peer-id i and the protocol options the engine settles. */
    static void acceptWithAddress(Client c, ServerPull pull) {
        c.peerId = c.index;
        ClientProtocol p = pull.protocol(c.index);
        if (!p.ok()) {
            pull.deny(p.failure());
            return;
        }
        List<String> items = new ArrayList<>(List.of("route-gateway 10.8.0.1", "topology subnet", "ping 10",
                "ping-restart 60", "ifconfig 10.8.0." + (2 + c.index) + " 255.255.255.0"));
        items.addAll(p.pushOptions());
        pull.accept(p, List.of("PUSH_REPLY," + String.join(",", items)));
    }

    /** One round: every side sends what it has, then every wire delivers; the server decides; clients install keys. */
    boolean step() {
        boolean any = false;
        for (Client c : clients) {
            if (c.restarted != null) {
                c.session = c.restarted;
                c.restarted = null;
            }
            any |= drain(c.session, c.up);
            if (c.instance != null) {
                any |= drain(c.instance, c.down);
            }
        }
        for (Client c : clients) {
            ByteBuffer p;
            while ((p = c.up.next()) != null) {
                any = true;
                toServer(c, p);
            }
            while ((p = c.down.next()) != null) {
                any = true;
                deliver(c.session, p, c.tunAtClient);
            }
            ServerPull pull = c.instance == null ? null : c.instance.serverPull();
            if (pull != null && pull.clientReady() && "UNDECIDED".equals(pull.decision())) {
                decide.accept(c, pull);
                any = true;
            }
            if (c.session.pushReady()) {
                c.session.installPushedKeys();
                any = true;
            }
        }
        return any;
    }

    /** Control packets an instance dropped as another session's: screened as if the address were unknown. */
    int rescreened;
    /** Instances replaced by a restarted client's new session. */
    int replaced;

    private void toServer(Client c, ByteBuffer p) {
        byte[] b = new byte[p.remaining()];
        p.get(p.position(), b);
        if (c.instance != null) {
            deliver(c.instance, p, c.tunAtServer);
            org.culvert.openvpn.crypto.Verdict v = c.instance.lastVerdict();
            int op = (b[0] & 0xFF) >>> 3;
            boolean control = op != 6 && op != 9;
            if (!control || (v != org.culvert.openvpn.crypto.Verdict.WRONG_SESSION
                    && v != org.culvert.openvpn.crypto.Verdict.UNKNOWN_OPCODE)) {
                return;
            }
            rescreened++;
        }
        HandshakeCookie.Action a = cookie.screen(b, b.length, c.address, reply);
        if (a == HandshakeCookie.Action.REPLY) {
            c.down.inject(java.util.Arrays.copyOf(reply, cookie.replyLength()));
        } else if (a == HandshakeCookie.Action.ADMIT) {
            if (c.instance != null) {
                c.instance.close(); // the client proved its address with a new session: it restarted
                c.instance = null;
                replaced++;
            }
            try {
                c.instance = new TlsSession(serverSettings, clock, random, cookie.admission());
            } catch (TlsConfigException e) {
                throw new AssertionError(e);
            }
            deliver(c.instance, ByteBuffer.wrap(b), c.tunAtServer);
        }
    }

    /** Steps until nothing moves (at most 30 rounds). */
    void exchange() {
        for (int i = 0; i < 30 && step(); i++) {
            // keep going
        }
    }

    /** Runs timers and exchanges for {@code millis} of simulated time in 100 ms steps. */
    void run(long millis) {
        for (long t = 0; t < millis; t += 100) {
            clock.advance(100);
            for (Client c : clients) {
                c.session.checkTimers();
                if (c.instance != null) {
                    c.instance.checkTimers();
                }
            }
            exchange();
        }
    }

    /** Runs until every client and instance is keyed, or {@code maxMillis} pass. */
    boolean allKeyed(long maxMillis) {
        for (long t = 0; t < maxMillis; t += 100) {
            if (clients.stream().allMatch(c -> c.session.isKeyed() && c.instance != null && c.instance.isKeyed())) {
                return true;
            }
            run(100);
        }
        return false;
    }

    /** Seals {@code text} on {@code from}, carries it across, and returns what arrived at the other tun. */
    List<String> send(Client c, boolean fromClient, String text) {
        List<String> sink = fromClient ? c.tunAtServer : c.tunAtClient;
        sink.clear();
        ByteBuffer p = TlsSessionTest.packet(text);
        TlsSession from = fromClient ? c.session : c.instance;
        org.culvert.openvpn.crypto.Verdict v = from.encapsulate(p);
        if (v != org.culvert.openvpn.crypto.Verdict.OK) {
            throw new AssertionError("encapsulate: " + v);
        }
        (fromClient ? c.up : c.down).send(p);
        exchange();
        return new ArrayList<>(sink);
    }

    private boolean drain(TlsSession from, TlsPair.Wire wire) {
        boolean any = false;
        while (from.state() != TlsSession.State.CLOSED && from.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
            wire.send(slot);
            any = true;
        }
        return any;
    }

    private static void deliver(TlsSession to, ByteBuffer p, List<String> tun) {
        ByteBuffer buf = ByteBuffer.allocate(p.remaining() + 2 * TlsPair.HEADROOM);
        buf.position(TlsPair.HEADROOM);
        buf.put(p);
        buf.limit(buf.position()).position(TlsPair.HEADROOM);
        if (to.decapsulate(buf) == Incoming.TUN_PACKET) {
            tun.add(TlsSessionTest.text(buf));
        }
    }
}
