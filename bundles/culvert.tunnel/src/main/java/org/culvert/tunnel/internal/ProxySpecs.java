package org.culvert.tunnel.internal;

import java.util.Arrays;
import java.util.List;

import org.culvert.api.link.ProxySpec;
import org.culvert.openvpn.config.Proxy;

/**
 * The parsed {@code --http-proxy}/{@code --socks-proxy} as the link's {@link ProxySpec}. A function of
 * one proxy, so that a per-remote ({@code <connection>}) proxy is converted the same way.
 */
final class ProxySpecs {
    private ProxySpecs() {
    }

    /**
     * The spec for {@code p}; the parsed credentials are wiped once copied into the spec (which the
     * plan wipes when it is dropped).
     */
    static ProxySpec of(Proxy p) {
        ProxySpec.Builder b = ProxySpec.builder(p.type() == Proxy.Type.HTTP ? ProxySpec.Type.HTTP : ProxySpec.Type.SOCKS5, p.host(), p.port())
                .httpVersion(p.httpVersion())
                .httpAuth(ProxySpec.HttpAuth.valueOf(p.auth().name()));
        p.userAgent().ifPresent(b::userAgent);
        for (List<String> h : p.headers()) {
            b.header(new ProxySpec.Header(h.get(0), h.get(1)));
        }
        if (p.credentials().isPresent()) {
            char[] pass = p.password();
            try {
                b.credentials(p.username().orElseThrow(), pass);
            } finally {
                Arrays.fill(pass, '\0');
            }
        }
        ProxySpec spec = b.build();
        p.wipe();
        return spec;
    }
}
