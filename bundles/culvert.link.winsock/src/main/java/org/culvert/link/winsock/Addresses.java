package org.culvert.link.winsock;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.win32.winsock.Ws2Api;

/** Name resolution and spec checks both socket kinds share. Not on the data path. */
final class Addresses {
    private Addresses() {
    }

    /** The first address of {@code host} in the wanted family ({@code udp4}/{@code tcp6-client}...); may block on DNS. */
    static InetAddress resolve(String role, String host, AddressFamily wanted) throws LinkException {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw new LinkException(Reason.RESOLVE_FAILED, role + " host '" + host + "' does not resolve", e);
        }
        for (InetAddress a : all) {
            if (wanted == AddressFamily.ANY || (wanted == AddressFamily.IPV4) == (a instanceof Inet4Address)) {
                return a;
            }
        }
        throw new LinkException(Reason.RESOLVE_FAILED, role + " host '" + host + "' has no "
                + (wanted == AddressFamily.IPV4 ? "IPv4" : "IPv6") + " address");
    }

    /** Ports in range, and a largest packet of 1..65535 bytes: a UDP payload, or what TCP's 16-bit prefix can frame. */
    static void checkSpec(LinkSpec spec) throws LinkException {
        checkPort("local", spec.localPort(), true);
        if (spec.remoteHost() != null) {
            checkPort("remote", spec.remotePort(), false);
        }
        if (spec.maxPacketSize() < 1 || spec.maxPacketSize() > 0xFFFF) {
            throw new LinkException(Reason.UNSUPPORTED, "max packet size " + spec.maxPacketSize() + " cannot be carried by "
                    + spec.protocol().optionName());
        }
    }

    private static void checkPort(String role, int port, boolean zeroAllowed) throws LinkException {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new LinkException(Reason.UNSUPPORTED, role + " port " + port + " is out of range");
        }
    }

    /** {@link Ws2Api#AF_INET} or {@link Ws2Api#AF_INET6} for a listening or bound socket: ANY without a local address is dual-stack IPv6. */
    static int socketFamily(AddressFamily wanted, InetAddress localIp) {
        switch (wanted) {
            case IPV4:
                return Ws2Api.AF_INET;
            case IPV6:
                return Ws2Api.AF_INET6;
            default:
                return localIp == null ? Ws2Api.AF_INET6 : (localIp instanceof Inet4Address ? Ws2Api.AF_INET : Ws2Api.AF_INET6);
        }
    }

    /** The wildcard address of a Winsock family. */
    static InetAddress wildcard(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == Ws2Api.AF_INET ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code host:port}, IPv6 in brackets, for messages. */
    static String text(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
