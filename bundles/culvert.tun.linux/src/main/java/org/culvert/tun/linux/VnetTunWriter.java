package org.culvert.tun.linux;

import java.nio.ByteBuffer;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;

/**
 * The write path of a tun opened with {@code IFF_VNET_HDR}: the kernel then expects a
 * {@link VirtioNetHdr} before every packet. Each packet goes out as one {@code writev(2)} of a
 * zeroed header ({@code GSO_NONE}, no checksum to complete: the packets decrypted from the link carry
 * full checksums) and the packet itself, so the slot's headroom is never touched.
 *
 * <p>{@code EAGAIN} (or {@code ENOBUFS}) stops early; a packet the kernel rejects as malformed
 * ({@code EINVAL}, {@code EFAULT}, {@code EMSGSIZE}) is dropped and counted as consumed, as on the
 * plain path. Not thread-safe: the loop thread's only; allocates nothing per packet.
 */
final class VnetTunWriter {
    private final String name;
    /** Two iovecs: [0] the header, [1] the packet (rewritten per packet). */
    private final ByteBuffer iov = DirectBuffers.allocateNative(2 * LibC.IOVEC_SIZE);
    private final long iovAddress = DirectBuffers.address(iov);
    private final ByteBuffer header = DirectBuffers.allocateNative(VirtioNetHdr.LEN);
    private final DirectBuffers.AddressCache addresses = new DirectBuffers.AddressCache();

    VnetTunWriter(String name) {
        this.name = name;
        iov.putLong(0, DirectBuffers.address(header));
        iov.putLong(8, VirtioNetHdr.LEN);
    }

    /**
     * Writes packets {@code from..batch.count()-1}; the caller holds {@code fd} acquired.
     *
     * @return how many packets were consumed (written or dropped as malformed)
     */
    int write(NativeFd fd, PacketBatch batch, int from) throws TunException {
        long base = addresses.address(batch.backing());
        int count = batch.count();
        int i = from;
        while (i < count) {
            ByteBuffer slot = batch.slot(i);
            iov.putLong(LibC.IOVEC_SIZE, base + batch.slotOffset(i) + slot.position());
            iov.putLong(LibC.IOVEC_SIZE + 8, slot.remaining());
            long n = LibC.writev(fd.fd(), iovAddress, 2);
            if (n >= 0) {
                i++;
                continue;
            }
            int err = LibC.errno();
            int next = TunErrno.onWrite(err);
            if (next == TunErrno.STOP) {
                break;
            }
            if (next == TunErrno.FAIL) {
                throw TunErrno.failure("write", name, err);
            }
            i += next == TunErrno.SKIP ? 1 : 0;
        }
        return i - from;
    }
}
