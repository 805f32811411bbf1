package org.culvert.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;

import org.culvert.api.event.EventBackend;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.testkit.contract.TunDeviceContract;
import org.culvert.testkit.contract.TunFixture;

/** The memory tun device passes the tun contract, with the hub's OS side playing the kernel. */
class MemoryTunDeviceContractTest extends TunDeviceContract {
    private static final int OS_SIDE_SOURCE_PORT = 5353;

    @Override
    protected TunFixture openFixture() throws Exception {
        MemoryTunDevice device = new MemoryTunDriver().open(TunSpec.builder(TunLayer.TUN).name("tun").build());
        return new MemoryFixture(device);
    }

    private static final class MemoryFixture implements TunFixture {
        private final MemoryTunDevice device;
        private final MemoryTunOsSide os;
        private final MemoryEventBackend backend = new MemoryEventBackend();
        private final Inet4Address tunnel = (Inet4Address) InetAddress.getByAddress(new byte[] { 10, 99, 0, 2 });
        private final Inet4Address osAddress = (Inet4Address) InetAddress.getByAddress(new byte[] { 10, 99, 0, 1 });

        MemoryFixture(MemoryTunDevice device) throws Exception {
            this.device = device;
            this.os = MemoryTunHub.osSide(device.name());
        }

        @Override
        public MemoryTunDevice device() {
            return device;
        }

        @Override
        public EventBackend backend() {
            return backend;
        }

        @Override
        public Inet4Address tunnelAddress() {
            return tunnel;
        }

        @Override
        public Inet4Address osAddress() {
            return osAddress;
        }

        @Override
        public int osPort() {
            return 5000;
        }

        @Override
        public void sendFromOs(byte[] payload) {
            assertTrue(os.inject(Packets.ipv4Udp(osAddress, OS_SIDE_SOURCE_PORT, tunnel, TUNNEL_PORT, payload)), "inject refused");
        }

        @Override
        public byte[] receiveAtOs(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                byte[] packet = os.take(Math.max(0, left));
                if (packet == null) {
                    return null;
                }
                Packets.UdpPacket udp = Packets.parseUdp(packet);
                if (udp != null && udp.destination().equals(osAddress) && udp.destinationPort() == osPort()) {
                    return udp.payload();
                }
            }
        }

        @Override
        public void close() {
            device.close();
        }
    }
}
