package org.culvert.tunnel.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.culvert.api.event.Waitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.plugin.Availability;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.testkit.Packets;

/**
 * A tun device that keeps packets of its own between reads, as the Linux driver keeps the segments of
 * a split GSO packet that did not fit the batch, while its waitable never signals them: an IPv4/UDP
 * packet whose payload ends in "SPLIT" read from the wrapped device stands for {@link #SPLIT} packets
 * with the same addresses and the payloads {@code "part 0"}, {@code "part 1"}, ... ({@link #part}),
 * handed out at most 4 per read.
 */
final class SplittingTunDevice implements TunDevice {
    static final int SPLIT = 100;

    private final TunDevice inner;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private final PacketBatch one = PacketBatch.allocate(1, 0, 2000);

    SplittingTunDevice(TunDevice inner) {
        this.inner = inner;
    }

    @Override
    public int read(PacketBatch batch) throws TunException {
        int max = Math.min(batch.capacity(), batchSize());
        int count = 0;
        while (count < max) {
            byte[] p = held.poll();
            if (p == null) {
                one.clear();
                if (inner.read(one) == 0) {
                    break;
                }
                ByteBuffer s = one.slot(0);
                byte[] b = new byte[s.remaining()];
                s.get(b);
                held.addAll(expand(b));
                continue;
            }
            ByteBuffer slot = batch.prepareSlot(count++);
            slot.put(p).flip().position(batch.headroom());
        }
        batch.count(count);
        return count;
    }

    private static List<byte[]> expand(byte[] p) {
        List<byte[]> out = new ArrayList<>();
        if (!new String(p, StandardCharsets.US_ASCII).endsWith("SPLIT")) {
            out.add(p);
            return out;
        }
        for (int i = 0; i < SPLIT; i++) {
            out.add(part(p, i));
        }
        return out;
    }

    @Override
    public int batchSize() {
        return 4;
    }

    @Override
    public int write(PacketBatch batch, int from) throws TunException {
        return inner.write(batch, from);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public TunLayer layer() {
        return inner.layer();
    }

    @Override
    public Waitable waitable() {
        return inner.waitable();
    }

    @Override
    public void prepareWait(int interest) {
        inner.prepareWait(interest);
    }

    @Override
    public void close() {
        inner.close();
    }

    /** Part {@code i} of a "SPLIT" packet {@code p}: same addresses and ports, payload {@code "part i"}. */
    static byte[] part(byte[] p, int i) {
        try {
            Inet4Address src = (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(p, 12, 16));
            Inet4Address dst = (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(p, 16, 20));
            int sport = ((p[20] & 0xFF) << 8) | (p[21] & 0xFF);
            int dport = ((p[22] & 0xFF) << 8) | (p[23] & 0xFF);
            return Packets.ipv4Udp(src, sport, dst, dport, ("part " + i).getBytes(StandardCharsets.US_ASCII));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Wraps a driver so that its devices are {@link SplittingTunDevice}s. */
    static final class Driver implements TunDriver {
        private final TunDriver inner;

        Driver(TunDriver inner) {
            this.inner = inner;
        }

        @Override
        public Availability availability() {
            return inner.availability();
        }

        @Override
        public TunDevice open(TunSpec spec) throws TunException {
            return new SplittingTunDevice(inner.open(spec));
        }
    }
}
