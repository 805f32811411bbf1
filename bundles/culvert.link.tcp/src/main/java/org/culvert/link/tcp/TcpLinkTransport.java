package org.culvert.link.tcp;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.platform.linux.NativeSupport;
import org.culvert.platform.linux.Net;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * OpenVPN's {@code --proto tcp-client} and {@code tcp-server} (point-to-point, one peer) on native
 * Linux sockets, so that the epoll and poll backends can wait on the connection and the tun
 * device in one set. Packets travel with OpenVPN's 16-bit length prefix. A tcp-client may go
 * through an HTTP CONNECT or SOCKS5 proxy ({@link org.culvert.api.link.LinkSpec#proxy()}).
 *
 * <p>Stateless apart from its configuration and the cached availability: {@link #open} may be
 * called from any thread, and each socket it returns belongs to the tunnel that opened it.
 */
@Component(service = LinkTransport.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_LINK_TRANSPORT,
        PluginProperties.NAME + "=tcp",
        PluginProperties.OS + "=linux",
        PluginProperties.HANDLE_KINDS + "=POSIX_FD",
        PluginProperties.LINK_PROTOCOLS + "=tcp-client",
        PluginProperties.LINK_PROTOCOLS + "=tcp-server",
        PluginProperties.LINK_PROXIES + "=" + PluginProperties.PROXY_HTTP,
        PluginProperties.LINK_PROXIES + "=" + PluginProperties.PROXY_SOCKS5,
        "service.ranking:Integer=100"})
@Designate(ocd = TcpLinkTransport.Config.class)
public final class TcpLinkTransport implements LinkTransport {
    private static final Set<LinkProtocol> PROTOCOLS = Collections.unmodifiableSet(EnumSet.of(LinkProtocol.TCP_CLIENT, LinkProtocol.TCP_SERVER));

    /** Packets per receive or send call: one {@code sendmsg} carries two iovecs per packet. */
    public static final int DEFAULT_BATCH_SIZE = 64;
    /** {@code IOV_MAX} / 2. */
    public static final int MAX_BATCH_SIZE = Net.IOV_MAX / 2;

    /** Tuning of the sockets this transport opens. */
    @ObjectClassDefinition(name = "Culvert TCP link transport", description = "Native TCP sockets for OpenVPN links")
    public @interface Config {
        @AttributeDefinition(name = "Batch size", description = "Most packets one receive or send call moves", min = "1", max = "512")
        int batch_size() default DEFAULT_BATCH_SIZE;
    }

    private final int batchSize;
    private volatile Availability availability;

    /** A transport with the default batch size, for use outside a framework. */
    public TcpLinkTransport() {
        this.batchSize = DEFAULT_BATCH_SIZE;
    }

    @Activate
    public TcpLinkTransport(Config config) {
        this.batchSize = Math.max(1, Math.min(MAX_BATCH_SIZE, config.batch_size()));
    }

    @Override
    public Set<LinkProtocol> protocols() {
        return PROTOCOLS;
    }

    /** Unavailable when JNA/libc cannot be loaded or the kernel refuses a TCP socket; probed once. */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = probe();
            availability = a;
        }
        return a;
    }

    private static Availability probe() {
        String failure = NativeSupport.socketFailure(Net.SOCK_STREAM, "socket(AF_INET, SOCK_STREAM)");
        return failure == null ? Availability.available() : Availability.unavailable(failure);
    }

    /**
     * tcp-client: resolves the remote (this may block on DNS) and prepares, and if asked binds, the
     * first socket; connecting happens in {@link LinkSocket#establish}. tcp-server: binds and
     * listens; accepting happens in {@link LinkSocket#establish}.
     *
     * @throws LinkException {@code UNSUPPORTED} for a UDP spec or an unusable port or size,
     *         {@code RESOLVE_FAILED}, {@code ADDRESS_IN_USE}, {@code PERMISSION_DENIED}, ...
     */
    @Override
    public LinkSocket open(LinkSpec spec) throws LinkException {
        if (!spec.protocol().isStream()) {
            throw new LinkException(Reason.UNSUPPORTED, "the tcp transport cannot open " + spec.protocol().optionName());
        }
        Availability a = availability();
        if (!a.isAvailable()) {
            throw new LinkException(Reason.UNSUPPORTED, "tcp transport unavailable: " + a.cause());
        }
        TcpSockets.checkSpec(spec);
        if (spec.proxy() != null && spec.protocol() != LinkProtocol.TCP_CLIENT) {
            // OpenVPN: "--socks-proxy can not be used in TCP Server mode"; --http-proxy needs tcp-client.
            throw new LinkException(Reason.UNSUPPORTED, "a proxy needs tcp-client, not " + spec.protocol().optionName());
        }
        return spec.protocol() == LinkProtocol.TCP_CLIENT ? TcpClientSocket.open(spec, batchSize) : TcpServerSocket.open(spec, batchSize);
    }

    /**
     * A server's listening socket for many clients ({@code --proto tcp-server} with {@code --server}).
     *
     * @throws LinkException {@code UNSUPPORTED} for another protocol, a proxy or an unusable port;
     *         {@code ADDRESS_IN_USE}, {@code PERMISSION_DENIED}, ...
     */
    @Override
    public LinkListener listen(LinkSpec spec) throws LinkException {
        if (spec.protocol() != LinkProtocol.TCP_SERVER || spec.proxy() != null) {
            throw new LinkException(Reason.UNSUPPORTED, "the tcp transport listens only for tcp-server without a proxy, not "
                    + spec.protocol().optionName());
        }
        Availability a = availability();
        if (!a.isAvailable()) {
            throw new LinkException(Reason.UNSUPPORTED, "tcp transport unavailable: " + a.cause());
        }
        TcpSockets.checkSpec(spec);
        return TcpLinkListener.open(spec, batchSize);
    }

    @Override
    public String toString() {
        return "tcp link transport (batch " + batchSize + ")";
    }
}
