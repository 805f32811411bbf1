package org.culvert.link.winsock;

import java.net.InetSocketAddress;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;

/** Socket pairs on loopback, opened as the Linux transports' tests open theirs. */
final class Pairs {
    private Pairs() {
    }

    static LinkSpec.Builder udp(AddressFamily family, String host) {
        return LinkSpec.builder(LinkProtocol.UDP).family(family).local(host, 0);
    }

    /** [0] is bound first; [1] resolves [0] as its {@code --remote}; then [0] is told [1]'s address. */
    static LinkSocket[] udp(LinkTransport transport, AddressFamily family, String host) throws Exception {
        LinkSocket first = transport.open(udp(family, host).build());
        try {
            LinkSocket second = transport.open(udp(family, host).remote(host, port(first)).build());
            first.remote(second.local());
            return new LinkSocket[] { first, second };
        } catch (Exception | Error e) {
            first.close();
            throw e;
        }
    }

    static LinkSpec.Builder server(AddressFamily family, String host) {
        return LinkSpec.builder(LinkProtocol.TCP_SERVER).family(family).local(host, 0);
    }

    static LinkSpec.Builder client(AddressFamily family, String host, int port) {
        return LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(family).bind(false).remote(host, port).connectRetry(1, 1);
    }

    /** [0] a listening tcp-server, [1] a --nobind tcp-client aimed at it; neither established. */
    static LinkSocket[] tcp(LinkTransport transport, AddressFamily family, String host) throws Exception {
        LinkSocket server = transport.open(server(family, host).build());
        try {
            LinkSocket client = transport.open(client(family, host, port(server)).build());
            return new LinkSocket[] { server, client };
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    static int port(LinkSocket s) {
        return ((InetSocketAddress) s.local()).getPort();
    }
}
