package org.culvert.tun.linux;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;

import org.culvert.api.event.EventBackend;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.event.epoll.EpollEventBackend;
import org.culvert.testkit.contract.TunDeviceContract;
import org.culvert.testkit.contract.TunFixture;
import org.junit.jupiter.api.Assumptions;

/**
 * The test kit's tun contract against a real {@code /dev/net/tun} device, inside a network namespace
 * of its own per test: {@code --ifconfig 10.66.0.1 10.66.0.2}, the OS side a UDP socket on
 * 10.66.0.1, the tunnel side the peer 10.66.0.2.
 */
class LinuxTunContractTest extends TunDeviceContract {
    @Override
    protected TunFixture openFixture() throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        return new Fixture();
    }

    /** Everything lives in a namespace the test thread entered; close() leaves and deletes it. */
    private static final class Fixture implements TunFixture {
        private static final Inet4Address LOCAL = v4("10.66.0.1");
        private static final Inet4Address PEER = v4("10.66.0.2");

        private final NetNs ns;
        private final TunDevice device;
        private final DatagramSocket socket;
        private final EventBackend backend = new EpollEventBackend();

        Fixture() throws Exception {
            ns = NetNs.enter();
            TunDevice opened = null;
            try {
                LinuxTunDriver driver = new LinuxTunDriver();
                opened = driver.open(TunSpec.builder(TunLayer.TUN).name("tun").mtu(1500)
                        .ifconfig(LOCAL.getHostAddress(), PEER.getHostAddress()).build());
                // Created from this thread, so the socket is in the namespace too.
                socket = new DatagramSocket(new InetSocketAddress(LOCAL, 0));
                device = opened;
            } catch (Exception | Error e) {
                if (opened != null) {
                    opened.close();
                }
                ns.close();
                throw e;
            }
        }

        private static Inet4Address v4(String literal) {
            try {
                return (Inet4Address) InetAddress.getByName(literal);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public TunDevice device() {
            return device;
        }

        @Override
        public EventBackend backend() {
            return backend;
        }

        @Override
        public Inet4Address tunnelAddress() {
            return PEER;
        }

        @Override
        public Inet4Address osAddress() {
            return LOCAL;
        }

        @Override
        public int osPort() {
            return socket.getLocalPort();
        }

        @Override
        public void sendFromOs(byte[] payload) throws Exception {
            socket.send(new DatagramPacket(payload, payload.length, PEER, TUNNEL_PORT));
        }

        @Override
        public byte[] receiveAtOs(long timeoutMillis) throws Exception {
            byte[] buf = new byte[65536];
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            socket.setSoTimeout((int) Math.max(1, timeoutMillis));
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buf, packet.getLength());
        }

        @Override
        public void close() {
            try {
                socket.close();
                device.close();
            } finally {
                ns.close();
            }
        }
    }
}
