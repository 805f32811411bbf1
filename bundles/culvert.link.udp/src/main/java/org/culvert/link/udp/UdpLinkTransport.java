package org.culvert.link.udp;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
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
 * OpenVPN's {@code --proto udp} (and {@code udp4}/{@code udp6}) on native Linux sockets, so that
 * the epoll and poll backends can wait on the link socket and the tun device in one set.
 *
 * <p>Stateless apart from its configuration and the cached availability: {@link #open} may be
 * called from any thread, and each socket it returns belongs to the tunnel that opened it.
 */
@Component(service = LinkTransport.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_LINK_TRANSPORT,
        PluginProperties.NAME + "=udp",
        PluginProperties.OS + "=linux",
        PluginProperties.HANDLE_KINDS + "=POSIX_FD",
        PluginProperties.LINK_PROTOCOLS + "=udp",
        "service.ranking:Integer=100"})
@Designate(ocd = UdpLinkTransport.Config.class)
public final class UdpLinkTransport implements LinkTransport {
    private static final Set<LinkProtocol> PROTOCOLS = Collections.unmodifiableSet(EnumSet.of(LinkProtocol.UDP));

    /** Tuning of the sockets this transport opens. */
    @ObjectClassDefinition(name = "Culvert UDP link transport", description = "Native UDP sockets for OpenVPN links")
    public @interface Config {
        @AttributeDefinition(name = "Batch size", description = "Most datagrams one recvmmsg/sendmmsg moves", min = "1", max = "1024")
        int batch_size() default DEFAULT_BATCH_SIZE;

        @AttributeDefinition(name = "UDP GSO and GRO", description = "Send runs of equal-size datagrams as one UDP_SEGMENT "
                + "message and take coalesced receives (UDP_GRO) where the kernel allows")
        boolean gso_gro() default true;
    }

    /** Datagrams per {@code recvmmsg}/{@code sendmmsg}: enough to amortise the system call at line rate. */
    public static final int DEFAULT_BATCH_SIZE = 64;

    private final int batchSize;
    private final boolean offloads;
    private volatile Availability availability;

    /** A transport with the default batch size, for use outside a framework. */
    public UdpLinkTransport() {
        this.batchSize = DEFAULT_BATCH_SIZE;
        this.offloads = true;
    }

    @Activate
    public UdpLinkTransport(Config config) {
        this.batchSize = Math.max(1, Math.min(1024, config.batch_size()));
        this.offloads = config.gso_gro();
    }

    @Override
    public Set<LinkProtocol> protocols() {
        return PROTOCOLS;
    }

    /** Unavailable when JNA/libc cannot be loaded or the kernel refuses a UDP socket; probed once. */
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
        String failure = NativeSupport.socketFailure(Net.SOCK_DGRAM, "socket(AF_INET, SOCK_DGRAM)");
        return failure == null ? Availability.available() : Availability.unavailable(failure);
    }

    /**
     * Resolves the spec's host names (this may block on DNS), creates the non-blocking socket,
     * applies {@code --sndbuf}/{@code --rcvbuf} and binds it unless {@code --nobind}.
     *
     * @throws LinkException {@code UNSUPPORTED} for a non-UDP spec or an unusable port or size,
     *         {@code RESOLVE_FAILED}, {@code ADDRESS_IN_USE}, {@code PERMISSION_DENIED}, ...
     */
    @Override
    public LinkSocket open(LinkSpec spec) throws LinkException {
        Availability a = availability();
        if (!a.isAvailable()) {
            throw new LinkException(Reason.UNSUPPORTED, "udp transport unavailable: " + a.cause());
        }
        return UdpLinkSocket.open(spec, batchSize, offloads, UdpLinkSocket.NATIVE);
    }

    @Override
    public String toString() {
        return "udp link transport (batch " + batchSize + (offloads ? ")" : ", no gso/gro)");
    }
}
