package org.culvert.openvpn.session;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.culvert.fuzz.FuzzRun;
import org.culvert.openvpn.config.DevType;
import org.junit.jupiter.api.AfterAll;

/**
 * MSS clamping ({@code --mssfix}) of packets from the tun and from the peer (the engines clamp both
 * with the same {@link MssClamp}): IPv4 and IPv6 TCP segments built field by field for tun and tap
 * (with and without a VLAN tag), with true or lying lengths, fragments, any flags and TCP options
 * (MSS of any value and length, NOPs, EOL, unknown kinds, option lengths past the header), or raw bytes.
 *
 * <p>Invariants: nothing throws; position and limit stay; only MSS option values and the TCP checksum
 * change, and {@code clamp} returns true exactly when something changed; afterwards no MSS option of
 * the changed packet exceeds the limit (20 less for IPv6); a correct checksum stays correct; clamping
 * twice changes nothing more; a well-formed SYN whose MSS exceeds the limit is always clamped.
 */
class MssClampFuzz {
    private static final FuzzRun RUN = new FuzzRun("MSS clamping (MssClamp, IPv4/IPv6, tun/tap)");

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void mssClamp(FuzzedDataProvider in) throws Exception {
        RUN.run(in, MssClampFuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        int maxMss = in.consumeInt(0, 0xFFFF);
        boolean tap = in.consumeBoolean();
        MssClamp clamp = new MssClamp(maxMss, tap ? DevType.TAP : DevType.TUN);
        Built p = in.consumeBoolean() ? build(in, tap) : new Built(in.consumeBytes(in.consumeInt(0, 200)), -1, false, false, 0);
        int head = in.consumeInt(0, 8);
        ByteBuffer b = ByteBuffer.allocate(head + p.bytes.length + 8);
        b.position(head);
        b.put(p.bytes);
        b.limit(head + p.bytes.length).position(head);
        boolean checksumOk = p.ip >= 0 && checksumOk(b, head + p.ip, p.v6);

        boolean changed = clamp.clamp(b);
        check(b.position() == head && b.limit() == head + p.bytes.length, "clamp moved position or limit");
        byte[] after = Arrays.copyOfRange(b.array(), head, head + p.bytes.length);
        check(changed == !Arrays.equals(after, p.bytes), "clamp returned " + changed + " but the bytes say otherwise");
        int limit = p.v6 ? Math.max(maxMss - 20, 0) : maxMss;
        if (p.clean) {
            check(changed == (p.largestMss > limit), "a well-formed SYN with MSS " + p.largestMss + " and limit " + limit
                    + ": changed " + changed);
        }
        if (changed) {
            check(p.ip >= 0, "a raw packet was changed");
            int tcp = p.ip + (p.v6 ? 40 : (p.bytes[p.ip] & 0x0F) * 4);
            for (int i = 0; i < p.bytes.length; i++) {
                if (after[i] != p.bytes[i]) {
                    check(i == tcp + 16 || i == tcp + 17 || i >= tcp + 20 && i < tcp + ((p.bytes[tcp + 12] & 0xFF) >>> 4) * 4,
                            "clamp changed byte " + i + " outside the checksum and the options");
                }
            }
            if (checksumOk) {
                check(checksumOk(b, head + p.ip, p.v6), "clamping broke a correct TCP checksum");
            }
        }
        check(!clamp.clamp(b), "a second clamp changed the packet again");
        check(Arrays.equals(Arrays.copyOfRange(b.array(), head, head + p.bytes.length), after), "a second clamp changed bytes");
    }

    /** A packet and what the builder knows about it. */
    private record Built(byte[] bytes, int ip, boolean v6, boolean clean, int largestMss) {
    }

    private static Built build(FuzzedDataProvider in, boolean tap) {
        boolean v6 = in.consumeBoolean();
        boolean clean = true;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (tap) {
            out.writeBytes(new byte[12]);
            if (in.consumeBoolean()) {
                out.writeBytes(new byte[] {(byte) 0x81, 0, 0, 1});
            }
            out.writeBytes(v6 ? new byte[] {(byte) 0x86, (byte) 0xDD} : new byte[] {8, 0});
        }
        int ip = out.size();
        // TCP header and options.
        ByteArrayOutputStream options = new ByteArrayOutputStream();
        int largestMss = -1;
        int n = in.consumeInt(0, 6);
        for (int i = 0; i < n; i++) {
            switch (in.consumeInt(0, 4)) {
                case 0: {
                    int mss = in.consumeInt(0, 0xFFFF);
                    options.writeBytes(new byte[] {2, 4, (byte) (mss >>> 8), (byte) mss});
                    largestMss = Math.max(largestMss, mss);
                    break;
                }
                case 1:
                    options.write(1);
                    break;
                case 2:
                    options.writeBytes(new byte[] {8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
                    break;
                default: { // anything: an unknown kind, a bad length, EOL
                    byte[] raw = in.consumeBytes(in.consumeInt(1, 6));
                    options.writeBytes(raw);
                    clean = false;
                    break;
                }
            }
        }
        while (options.size() % 4 != 0) {
            options.write(0);
        }
        byte[] opts = options.toByteArray();
        if (opts.length > 40) {
            opts = Arrays.copyOf(opts, 40);
            clean = false;
        }
        byte[] payload = in.consumeBytes(in.consumeInt(0, 40));
        int tcpHeader = 20 + opts.length;
        int dataOffset = in.consumeBoolean() ? tcpHeader / 4 : in.consumeInt(0, 15);
        clean &= dataOffset * 4 == tcpHeader && opts.length > 0;
        int flags = in.consumeBoolean() ? 0x02 : in.consumeInt(0, 255);
        clean &= (flags & 0x02) != 0;
        byte[] tcp = new byte[tcpHeader + payload.length];
        ByteBuffer t = ByteBuffer.wrap(tcp);
        t.putShort((short) in.consumeInt(0, 0xFFFF)).putShort((short) in.consumeInt(0, 0xFFFF)).putInt(in.consumeInt())
                .putInt(in.consumeInt()).put((byte) (dataOffset << 4)).put((byte) flags).putShort((short) 65535);
        t.putShort((short) 0).putShort((short) 0).put(opts).put(payload);
        // IP header.
        int ipHeader = v6 ? 40 : 20;
        int total = ipHeader + tcp.length;
        int declared = in.consumeBoolean() ? total : in.consumeInt(0, 0xFFFF);
        int proto = in.consumeBoolean() ? 6 : in.consumeInt(0, 255);
        int fragment = in.consumeBoolean() ? 0 : in.consumeInt(0, 0xFFFF);
        clean &= declared == total && proto == 6 && (v6 || (fragment & 0x1FFF) == 0);
        ByteBuffer h = ByteBuffer.allocate(ipHeader);
        if (v6) {
            h.putInt(0x6000_0000).putShort((short) (declared - 40)).put((byte) proto).put((byte) 64);
            h.put(Arrays.copyOf(in.consumeBytes(32), 32));
        } else {
            h.put((byte) 0x45).put((byte) 0).putShort((short) declared).putShort((short) 1).putShort((short) fragment)
                    .put((byte) 64).put((byte) proto).putShort((short) 0);
            h.put(Arrays.copyOf(in.consumeBytes(8), 8));
        }
        out.writeBytes(h.array());
        out.writeBytes(tcp);
        byte[] bytes = out.toByteArray();
        if (in.consumeBoolean()) {
            // A correct TCP checksum (over the bytes actually present), to see that clamping keeps it so.
            ByteBuffer w = ByteBuffer.wrap(bytes);
            int sum = tcpSum(w, ip, v6);
            w.putShort(ip + ipHeader + 16, (short) ~sum);
        }
        return new Built(bytes, ip, v6, clean, largestMss);
    }

    /** Whether the TCP checksum of the segment after the IP header at {@code ip} verifies. */
    private static boolean checksumOk(ByteBuffer b, int ip, boolean v6) {
        int ipHeader = v6 ? 40 : (b.get(ip) & 0x0F) * 4;
        if (ipHeader < 20 || ip + ipHeader + 20 > b.limit()) {
            return false;
        }
        return (tcpSum(b, ip, v6) & 0xFFFF) == 0xFFFF;
    }

    /** The ones'-complement sum over the pseudo-header and the TCP segment (checksum field included). */
    private static int tcpSum(ByteBuffer b, int ip, boolean v6) {
        int ipHeader = v6 ? 40 : (b.get(ip) & 0x0F) * 4;
        int tcp = ip + ipHeader;
        int length = b.limit() - tcp;
        long sum = 6 + length;
        int from = v6 ? ip + 8 : ip + 12;
        int to = v6 ? ip + 40 : ip + 20;
        for (int i = from; i < to; i += 2) {
            sum += ((b.get(i) & 0xFF) << 8) | (b.get(i + 1) & 0xFF);
        }
        for (int i = tcp; i < b.limit(); i += 2) {
            int hi = b.get(i) & 0xFF;
            int lo = i + 1 < b.limit() ? b.get(i + 1) & 0xFF : 0;
            sum += hi << 8 | lo;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
