package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;
import org.culvert.openvpn.tls.TlsSettingsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code connect-freq} and {@code connect-freq-initial} in a real server's admission
 * ({@link OpenVpnServerEngines#admit} from a {@code server} configuration): real client engines send
 * their resets and third packets from their own addresses; the limits drop what OpenVPN drops and
 * count it.
 */
class ServerConnectLimitsTest {
    private static final int HEADROOM = 128;
    private final ServerHarness h = new ServerHarness();
    private final SecureRandom random = new SecureRandom();
    private OpenVpnServerEngines engines;
    private ClientAddressing addressing;

    @AfterEach
    void tearDown() throws Exception {
        if (engines != null) {
            engines.close();
        }
        if (addressing != null) {
            addressing.close();
        }
        h.close();
    }

    private void server(String extra) throws Exception {
        String conf = "port 1194\nproto udp\ndev tun\ntopology subnet\nserver 10.8.0.0 255.255.0.0\nduplicate-cn\n" + extra
                + "dh none\n" + ServerHarness.pem("ca", ServerHarness.CA.certPem())
                + ServerHarness.pem("cert", ServerHarness.SERVER.certPem()) + ServerHarness.pem("key", ServerHarness.SERVER.keyPem());
        TunnelPlan plan = PlanBuilder.build(ConfigParser.parse(conf, "server.conf", null), null);
        ServerRunner.Setup setup = plan.server.apply(h.log);
        addressing = setup.addressing();
        engines = (OpenVpnServerEngines) setup.engines();
    }

    private boolean logged(String text) {
        return h.log.recent().stream().anyMatch(e -> e.message().contains(text));
    }

    /** A client engine at {@code 192.0.2.port}, as a stock client starts. */
    private final class Client {
        final TlsSession session;
        final InetSocketAddress address;

        Client(int n) throws Exception {
            TlsSettings settings = TlsSettingsFactory.fromOptions(ConfigParser.parse("client\ndev tun\nproto udp\nremote srv 1194\n"
                    + "nobind\n" + ServerHarness.pem("ca", ServerHarness.CA.certPem())
                    + ServerHarness.pem("cert", ServerHarness.identity(1).certPem())
                    + ServerHarness.pem("key", ServerHarness.identity(1).keyPem()), "client.conf", null));
            session = new TlsSession(settings, Clock.system(), random);
            address = new InetSocketAddress("192.0.2." + n, 40000 + n);
        }

        /** The client's next packet through the server's admission; the answer (if any) back to the client. */
        ServerEngines.Admission next() {
            session.checkTimers();
            ByteBuffer out = ByteBuffer.allocate(HEADROOM + 4096);
            assertTrue(session.pollOutgoing(out.position(HEADROOM), HEADROOM), "the client has a packet to send");
            ByteBuffer reply = ByteBuffer.allocate(HEADROOM + 4096).position(HEADROOM);
            ServerEngines.Admission a = engines.admit(out, address, reply);
            if (a == ServerEngines.Admission.REPLY) {
                session.decapsulate(reply);
            }
            return a;
        }
    }

    @Test
    void connectFreqDropsTheNewClientsOverItsLimitAndCountsThem() throws Exception {
        server("connect-freq 2 60\n");
        for (int i = 1; i <= 3; i++) {
            Client c = new Client(i);
            assertEquals(ServerEngines.Admission.REPLY, c.next(), "client " + i + "'s reset is answered");
            assertEquals(i <= 2 ? ServerEngines.Admission.CREATE : ServerEngines.Admission.DROP, c.next(),
                    "client " + i + "'s third packet under connect-freq 2 60");
        }
        assertArrayEquals(new long[] {0, 1}, engines.connectLimitDrops());
        assertTrue(logged("--connect-freq 2 60"), () -> h.log.recent().toString());
    }

    @Test
    void connectFreqInitialDropsResetsThatNeverCompleteButRefundsCompletedOnes() throws Exception {
        server("connect-freq-initial 2 60\n");
        Client done = new Client(1);
        assertEquals(ServerEngines.Admission.REPLY, done.next());
        assertEquals(ServerEngines.Admission.CREATE, done.next(), "a completed handshake gives its reset back");
        assertEquals(ServerEngines.Admission.REPLY, new Client(2).next());
        assertEquals(ServerEngines.Admission.REPLY, new Client(3).next());
        assertEquals(ServerEngines.Admission.DROP, new Client(4).next(), "two resets that never completed used the budget up");
        assertArrayEquals(new long[] {1, 0}, engines.connectLimitDrops());
        assertTrue(logged("--connect-freq-initial 2 60 rate limit exceeded"), () -> h.log.recent().toString());
    }
}
