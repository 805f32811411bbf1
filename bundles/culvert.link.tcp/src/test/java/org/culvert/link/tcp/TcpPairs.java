package org.culvert.link.tcp;

import java.net.InetSocketAddress;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;

/** A listening tcp-server on a loopback address and a --nobind tcp-client aimed at it. */
final class TcpPairs {
    private TcpPairs() {
    }

    static LinkSpec.Builder server(AddressFamily family, String host) {
        return LinkSpec.builder(LinkProtocol.TCP_SERVER).family(family).local(host, 0);
    }

    static LinkSpec.Builder client(AddressFamily family, String host, int port) {
        return LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(family).bind(false).remote(host, port).connectRetry(1, 1);
    }

    /** [0] the server, [1] the client; neither established. */
    static LinkSocket[] open(TcpLinkTransport transport, AddressFamily family, String host) throws Exception {
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
