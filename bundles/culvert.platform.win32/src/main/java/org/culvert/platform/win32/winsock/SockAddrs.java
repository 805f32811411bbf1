package org.culvert.platform.win32.winsock;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The Windows {@code sockaddr_in} (16 bytes) and {@code sockaddr_in6} (28 bytes) layouts: the family
 * in host (little-endian) order, the port and address in network order, {@code sin6_scope_id} in host
 * order. The same as Linux's but for {@link Ws2Api#AF_INET6}, which is 23 here. An IPv4 address on an
 * {@code AF_INET6} socket is written IPv4-mapped ({@code ::ffff:a.b.c.d}), as a dual-stack socket
 * expects, and such an address decodes back to an {@link Inet4Address}.
 *
 * <p>Stateless; any thread. {@link #encode} and {@link #sameEndpoint} allocate nothing;
 * {@link #decode} builds the Java objects and is for addresses that are actually new.
 */
public final class SockAddrs {
    public static final int SOCKADDR_IN_SIZE = 16;
    public static final int SOCKADDR_IN6_SIZE = 28;

    private SockAddrs() {
    }

    /** {@link Ws2Api#AF_INET} or {@link Ws2Api#AF_INET6}, as the address's own family. */
    public static int family(InetAddress address) {
        return address instanceof Inet4Address ? Ws2Api.AF_INET : Ws2Api.AF_INET6;
    }

    /** The family field of an encoded address (0 when it is shorter than a family field). */
    public static int family(ByteBuffer storage, int length) {
        if (length < 2) {
            return 0;
        }
        return (storage.get(0) & 0xFF) | (storage.get(1) & 0xFF) << 8;
    }

    /**
     * Writes {@code address} for a socket of {@code socketFamily} and sets the cell's length.
     *
     * @return the length written
     * @throws IllegalArgumentException if the address is unresolved, or IPv6 for an IPv4 socket
     */
    public static int encode(InetSocketAddress address, int socketFamily, SockAddr out) {
        int length = encode(address, socketFamily, out.storage());
        out.length(length);
        return length;
    }

    /** As {@link #encode(InetSocketAddress, int, SockAddr)}, into a plain buffer of at least 28 bytes. */
    public static int encode(InetSocketAddress address, int socketFamily, ByteBuffer storage) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address " + address.getHostString());
        }
        int port = address.getPort();
        if (socketFamily == Ws2Api.AF_INET) {
            if (!(ip instanceof Inet4Address)) {
                throw new IllegalArgumentException("an IPv6 address on an IPv4 socket: " + ip.getHostAddress());
            }
            putFamily(storage, Ws2Api.AF_INET);
            putPort(storage, port);
            byte[] a = ip.getAddress();
            for (int i = 0; i < 4; i++) {
                storage.put(4 + i, a[i]);
            }
            for (int i = 8; i < SOCKADDR_IN_SIZE; i++) {
                storage.put(i, (byte) 0);
            }
            return SOCKADDR_IN_SIZE;
        }
        if (socketFamily != Ws2Api.AF_INET6) {
            throw new IllegalArgumentException("address family " + socketFamily);
        }
        putFamily(storage, Ws2Api.AF_INET6);
        putPort(storage, port);
        storage.putInt(4, 0); // sin6_flowinfo
        byte[] a = ip.getAddress();
        int scope = 0;
        if (a.length == 4) {
            for (int i = 0; i < 10; i++) {
                storage.put(8 + i, (byte) 0);
            }
            storage.put(18, (byte) 0xFF);
            storage.put(19, (byte) 0xFF);
            for (int i = 0; i < 4; i++) {
                storage.put(20 + i, a[i]);
            }
        } else {
            for (int i = 0; i < 16; i++) {
                storage.put(8 + i, a[i]);
            }
            scope = ((Inet6Address) ip).getScopeId();
        }
        storage.put(24, (byte) scope);
        storage.put(25, (byte) (scope >>> 8));
        storage.put(26, (byte) (scope >>> 16));
        storage.put(27, (byte) (scope >>> 24));
        return SOCKADDR_IN6_SIZE;
    }

    /** Decodes the cell's address; null if it is not a complete IPv4 or IPv6 address. */
    public static InetSocketAddress decode(SockAddr in) {
        return decode(in.storage(), in.length());
    }

    /** Decodes {@code storage[0, length)}; null if it is not a complete IPv4 or IPv6 address. */
    public static InetSocketAddress decode(ByteBuffer storage, int length) {
        int family = family(storage, length);
        try {
            if (family == Ws2Api.AF_INET && length >= SOCKADDR_IN_SIZE) {
                byte[] a = new byte[4];
                for (int i = 0; i < 4; i++) {
                    a[i] = storage.get(4 + i);
                }
                return new InetSocketAddress(InetAddress.getByAddress(a), port(storage));
            }
            if (family == Ws2Api.AF_INET6 && length >= SOCKADDR_IN6_SIZE) {
                byte[] a = new byte[16];
                for (int i = 0; i < 16; i++) {
                    a[i] = storage.get(8 + i);
                }
                int scope = (storage.get(24) & 0xFF) | (storage.get(25) & 0xFF) << 8 | (storage.get(26) & 0xFF) << 16
                        | (storage.get(27) & 0xFF) << 24;
                InetAddress ip = InetAddress.getByAddress(a);
                // getByAddress turns ::ffff:a.b.c.d into an Inet4Address, which is what a dual-stack peer is.
                if (ip instanceof Inet6Address && scope != 0) {
                    ip = Inet6Address.getByAddress(null, a, scope);
                }
                return new InetSocketAddress(ip, port(storage));
            }
        } catch (UnknownHostException e) {
            // Only thrown for a wrong array length, which cannot happen here.
        }
        return null;
    }

    /** The port of an encoded IPv4 or IPv6 address. */
    public static int port(ByteBuffer storage) {
        return (storage.get(2) & 0xFF) << 8 | (storage.get(3) & 0xFF);
    }

    /**
     * True when both encoded addresses name the same endpoint: family, port, address and (IPv6)
     * scope. Padding, {@code sin_zero} and {@code sin6_flowinfo} are ignored. Allocation-free.
     */
    public static boolean sameEndpoint(ByteBuffer a, int aLength, ByteBuffer b, int bLength) {
        int family = family(a, aLength);
        if (family != family(b, bLength)) {
            return false;
        }
        if (a.get(2) != b.get(2) || a.get(3) != b.get(3)) {
            return false;
        }
        if (family == Ws2Api.AF_INET) {
            return aLength >= SOCKADDR_IN_SIZE && bLength >= SOCKADDR_IN_SIZE && sameBytes(a, b, 4, 8);
        }
        if (family == Ws2Api.AF_INET6) {
            return aLength >= SOCKADDR_IN6_SIZE && bLength >= SOCKADDR_IN6_SIZE && sameBytes(a, b, 8, 28);
        }
        return false;
    }

    /** Byte-wise, so that the buffers' byte orders do not matter. */
    private static boolean sameBytes(ByteBuffer a, ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static void putFamily(ByteBuffer storage, int family) {
        storage.put(0, (byte) family);
        storage.put(1, (byte) (family >>> 8));
    }

    private static void putPort(ByteBuffer storage, int port) {
        storage.put(2, (byte) (port >>> 8));
        storage.put(3, (byte) port);
    }
}
