package org.culvert.tun.linux;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;

/**
 * The write path of a tun opened with {@code IFF_VNET_HDR}: the kernel then expects a
 * {@link VirtioNetHdr} before every packet. A {@link GroWriter} does the work: the TCP segments of
 * one flow in a batch (and UDP datagrams, where the tun has USO) go out merged as one large packet ({@code GSO_TCPV4}/{@code GSO_TCPV6}), the
 * others one {@code writev(2)} each behind a zero header ({@code GSO_NONE}: the packets decrypted
 * from the link carry full checksums), so the slot's headroom is never touched.
 *
 * <p>{@code EAGAIN} (or {@code ENOBUFS}) stops early and consumes none of the packets of the write
 * it hit; a packet the kernel rejects as malformed ({@code EINVAL}, {@code EFAULT},
 * {@code EMSGSIZE}) is dropped and counted as consumed, as on the plain path (a refused merged
 * packet is first written again member by member). Not thread-safe: the loop thread's only;
 * allocates nothing per packet.
 */
final class VnetTunWriter implements GroWriter.Vectored {
    private final GroWriter gro;
    private final DirectBuffers.AddressCache addresses = new DirectBuffers.AddressCache();
    /** The descriptor of the write in progress (held acquired by the caller). */
    private int fd = -1;

    /**
     * @param batchSize packets planned together for coalescing
     * @param coalescing false writes every packet alone
     * @param udp also merge UDP datagrams: only for a tun given {@code TUN_F_USO4/6}
     */
    VnetTunWriter(String name, int batchSize, boolean coalescing, boolean udp) {
        this.gro = new GroWriter(name, batchSize, coalescing, udp);
    }

    /**
     * Writes packets {@code from..batch.count()-1}; the caller holds {@code fd} acquired.
     *
     * @return how many packets were consumed (written or dropped as malformed)
     */
    int write(NativeFd fd, PacketBatch batch, int from) throws TunException {
        this.fd = fd.fd();
        return gro.write(batch, from, addresses.address(batch.backing()), this);
    }

    @Override
    public long writev(long iov, int iovcnt) {
        return LibC.writev(fd, iov, iovcnt);
    }

    @Override
    public int errno() {
        return LibC.errno();
    }

    /** The coalescing state and counters. */
    GroWriter gro() {
        return gro;
    }
}
