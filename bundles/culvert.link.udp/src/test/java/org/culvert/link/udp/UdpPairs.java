package org.culvert.link.udp;

import java.net.InetSocketAddress;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;

/** Two UDP sockets on a loopback address that are each other's remote. */
final class UdpPairs {
    private UdpPairs() {
    }

    /** A transport configured as by the framework: {@code batch_size} and {@code gso_gro}. */
    static UdpLinkTransport transport(int batchSize, boolean gsoGro) {
        return new UdpLinkTransport(new UdpLinkTransport.Config() {
            @Override
            public int batch_size() {
                return batchSize;
            }

            @Override
            public boolean gso_gro() {
                return gsoGro;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return UdpLinkTransport.Config.class;
            }
        });
    }

    static LinkSpec.Builder spec(AddressFamily family, String host) {
        return LinkSpec.builder(LinkProtocol.UDP).family(family).local(host, 0);
    }

    /** [0] is bound first; [1] resolves [0] as its {@code --remote}; then [0] is told [1]'s address. */
    static LinkSocket[] open(UdpLinkTransport transport, AddressFamily family, String host) throws Exception {
        LinkSocket first = transport.open(spec(family, host).build());
        try {
            int port = ((InetSocketAddress) first.local()).getPort();
            LinkSocket second = transport.open(spec(family, host).remote(host, port).build());
            first.remote(second.local());
            return new LinkSocket[] { first, second };
        } catch (Exception | Error e) {
            first.close();
            throw e;
        }
    }
}
