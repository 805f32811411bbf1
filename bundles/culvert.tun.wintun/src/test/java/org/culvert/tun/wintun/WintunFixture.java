package org.culvert.tun.wintun;

import java.net.Inet4Address;
import java.net.InetAddress;

import org.culvert.api.event.EventBackend;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.event.win32.Win32EventBackend;
import org.culvert.platform.win32.fake.FakeKernel32;
import org.culvert.testkit.Packets;
import org.culvert.testkit.contract.TunFixture;

/**
 * One Wintun device opened by the real driver code over the fake wintun.dll, kernel32 and netsh, with
 * the fake session's rings as its OS side and the real win32 backend (over the same fake kernel32)
 * to wait on it. The OS owns 10.9.0.1, the tunnel side is 10.9.0.2.
 */
final class WintunFixture implements TunFixture {
    final FakeKernel32 k32 = new FakeKernel32();
    final FakeWintun wintun = new FakeWintun(k32);
    final RecordingCommands commands = new RecordingCommands();
    final WintunDriver driver;
    final Win32EventBackend backend = new Win32EventBackend(k32);
    private final Inet4Address os;
    private final Inet4Address tunnel;
    private TunDevice device;

    WintunFixture() throws Exception {
        this(WintunDriver.Settings.defaults());
    }

    WintunFixture(WintunDriver.Settings settings) throws Exception {
        driver = new WintunDriver(wintun, k32, commands, settings);
        os = (Inet4Address) InetAddress.getByName("10.9.0.1");
        tunnel = (Inet4Address) InetAddress.getByName("10.9.0.2");
    }

    static TunSpec.Builder spec() {
        return TunSpec.builder(TunLayer.TUN).name("tun").ifconfig("10.9.0.2", "10.9.0.1");
    }

    WintunFixture open() throws Exception {
        device = driver.open(spec().build());
        return this;
    }

    WintunDevice wintunDevice() {
        return (WintunDevice) device;
    }

    /** The session of the last opened device. */
    FakeWintun.FakeSession session() {
        return wintun.sessions.get(wintun.sessions.size() - 1);
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
        return tunnel;
    }

    @Override
    public Inet4Address osAddress() {
        return os;
    }

    @Override
    public int osPort() {
        return 5354;
    }

    @Override
    public void sendFromOs(byte[] payload) {
        session().inject(Packets.ipv4Udp(os, osPort(), tunnel, 40_000, payload));
    }

    @Override
    public byte[] receiveAtOs(long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        for (;;) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return null;
            }
            byte[] packet = session().takeSent(left);
            if (packet == null) {
                return null;
            }
            Packets.UdpPacket udp = Packets.parseUdp(packet);
            if (udp != null && udp.checksumsValid() && os.equals(udp.destination()) && udp.destinationPort() == osPort()) {
                return udp.payload();
            }
        }
    }

    @Override
    public void close() {
        if (device != null) {
            device.close();
        }
    }
}
