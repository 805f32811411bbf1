package org.culvert.tun.tapwindows6;

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
 * One TAP-Windows6 device opened by the real driver code over the fake kernel32, registry and netsh,
 * with the fake adapter as its OS side and the real win32 event backend (over the same fake kernel32)
 * to wait on it. The OS owns 10.8.0.1, the tunnel side is 10.8.0.2 (an {@code --ifconfig 10.8.0.2
 * 10.8.0.1} point-to-point link).
 */
final class TapFixture implements TunFixture {
    static final String GUID = "{6F2A1B3C-9D4E-4F50-8A61-7B2C3D4E5F60}";
    static final String NAME = "Culvert TAP";

    final FakeKernel32 k32 = new FakeKernel32();
    final FakeTapAdapter adapter = new FakeTapAdapter();
    final FakeRegistry registry = new FakeRegistry().adapter("0007", "tap0901", GUID, NAME);
    final RecordingCommands commands = new RecordingCommands();
    final TapWindows6Driver driver;
    final Win32EventBackend backend = new Win32EventBackend(k32);
    private final Inet4Address os;
    private final Inet4Address tunnel;
    private TunDevice device;

    TapFixture() throws Exception {
        this(TapWindows6Driver.Settings.defaults());
    }

    TapFixture(TapWindows6Driver.Settings settings) throws Exception {
        k32.addDevice("\\\\.\\Global\\" + GUID + ".tap", adapter);
        driver = new TapWindows6Driver(k32, registry, commands, settings);
        os = (Inet4Address) InetAddress.getByName("10.8.0.1");
        tunnel = (Inet4Address) InetAddress.getByName("10.8.0.2");
    }

    static TunSpec.Builder spec() {
        return TunSpec.builder(TunLayer.TUN).name("tun").ifconfig("10.8.0.2", "10.8.0.1").mtu(1500);
    }

    /** Opens the device with {@link #spec()}. */
    TapFixture open() throws Exception {
        device = driver.open(spec().build());
        return this;
    }

    TapDevice tap() {
        return (TapDevice) device;
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
        return 5353;
    }

    @Override
    public void sendFromOs(byte[] payload) {
        adapter.inject(Packets.ipv4Udp(os, osPort(), tunnel, 40_000, payload));
    }

    @Override
    public byte[] receiveAtOs(long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        for (;;) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return null;
            }
            byte[] packet = adapter.takeWritten(left);
            if (packet == null) {
                return null;
            }
            Packets.UdpPacket udp = Packets.parseUdp(packet);
            // As the OS would: a malformed packet or one for another port is not delivered here.
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
