package org.culvert.link.winsock;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.Win32Native;
import org.culvert.platform.win32.winsock.Ws2Api;
import org.culvert.platform.win32.winsock.Ws2Errors;
import org.culvert.platform.win32.winsock.Ws2Native;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * OpenVPN's {@code --proto udp}, {@code tcp-client} and {@code tcp-server} on Windows: Winsock 2
 * sockets put in non-blocking mode by {@code WSAEventSelect(socket, event, FD_READ | FD_WRITE |
 * FD_ACCEPT | FD_CONNECT | FD_CLOSE)} and exposed as {@code Win32EventWaitable(event, event)}, so
 * that the win32 backend waits on the link and the tun device ({@code WIN32_EVENT} handles both) in
 * one {@code WaitForMultipleObjects}. Semantics are those of the Linux {@code udp} and {@code tcp}
 * transports: one packet per datagram, OpenVPN's 16-bit length framing on TCP ({@code BAD_FRAME} for
 * a length of 0 or above the largest packet), {@code --connect-retry} backoff, one accepted peer,
 * sources reported only when they differ from the remote.
 *
 * <p>Off Windows (or without JNA) {@link #availability()} says why the transport cannot work and
 * {@link #open} throws {@code UNSUPPORTED}; the bundle's {@code osgi.native} requirement keeps it
 * out of non-Windows frameworks anyway. Stateless apart from its configuration and the cached
 * availability: {@link #open} may be called from any thread, and each socket it returns belongs to
 * the tunnel that opened it.
 */
@Component(service = LinkTransport.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_LINK_TRANSPORT,
        PluginProperties.NAME + "=" + WinsockLinkTransport.NAME,
        PluginProperties.OS + "=win32",
        PluginProperties.HANDLE_KINDS + "=WIN32_EVENT",
        PluginProperties.LINK_PROTOCOLS + "=udp",
        PluginProperties.LINK_PROTOCOLS + "=tcp-client",
        PluginProperties.LINK_PROTOCOLS + "=tcp-server",
        "service.ranking:Integer=100"})
@Designate(ocd = WinsockLinkTransport.Config.class)
public final class WinsockLinkTransport implements LinkTransport {
    /** The plugin name. */
    public static final String NAME = "winsock";
    /** Packets one receive or send call handles at most, by default. */
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final int MAX_BATCH_SIZE = 1024;

    private static final Set<LinkProtocol> PROTOCOLS = Collections.unmodifiableSet(
            EnumSet.of(LinkProtocol.UDP, LinkProtocol.TCP_CLIENT, LinkProtocol.TCP_SERVER));

    /** Tuning of the sockets this transport opens. */
    @ObjectClassDefinition(name = "Culvert Winsock link transport", description = "Winsock 2 sockets for OpenVPN links on Windows")
    public @interface Config {
        @AttributeDefinition(name = "Batch size", description = "Most packets one receive or send call moves", min = "1", max = "1024")
        int batch_size() default DEFAULT_BATCH_SIZE;
    }

    private final Ws2Api ws2;
    private final Kernel32Api k32;
    private final int batchSize;
    /** Why the natives cannot be used here, or null. */
    private final String loadFailure;
    private volatile Availability availability;

    /** The real ws2_32 and kernel32 with the default batch size, for use outside a framework. */
    public WinsockLinkTransport() {
        this(DEFAULT_BATCH_SIZE);
    }

    @Activate
    public WinsockLinkTransport(Config config) {
        this(config.batch_size());
    }

    private WinsockLinkTransport(int batchSize) {
        String failure = Ws2Native.loadFailure();
        this.loadFailure = failure;
        this.ws2 = failure == null ? Ws2Native.ws2() : null;
        this.k32 = failure == null ? Win32Native.kernel32() : null;
        this.batchSize = clamp(batchSize);
    }

    /** Over the given natives (fakes in tests, or a host's own binding). */
    public WinsockLinkTransport(Ws2Api ws2, Kernel32Api k32, int batchSize) {
        this.ws2 = Objects.requireNonNull(ws2, "ws2");
        this.k32 = Objects.requireNonNull(k32, "k32");
        this.loadFailure = null;
        this.batchSize = clamp(batchSize);
    }

    private static int clamp(int batchSize) {
        return Math.max(1, Math.min(MAX_BATCH_SIZE, batchSize));
    }

    @Override
    public Set<LinkProtocol> protocols() {
        return PROTOCOLS;
    }

    /**
     * Unavailable anywhere but 64-bit Windows with JNA, or when Winsock 2.2 does not start or refuses a
     * UDP socket; probed once.
     */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = probe();
            availability = a;
        }
        return a;
    }

    private Availability probe() {
        if (loadFailure != null) {
            return Availability.unavailable(loadFailure);
        }
        try {
            int error = ws2.wsaStartup();
            if (error != 0) {
                return Availability.unavailable(Ws2Errors.message("WSAStartup 2.2", error));
            }
            try {
                long s = ws2.socket(Ws2Api.AF_INET, Ws2Api.SOCK_DGRAM, Ws2Api.IPPROTO_UDP);
                if (s == Ws2Api.INVALID_SOCKET) {
                    return Availability.unavailable(Ws2Errors.message("socket(AF_INET, SOCK_DGRAM)", ws2.wsaGetLastError()));
                }
                ws2.closeSocket(s);
                return Availability.available();
            } finally {
                ws2.wsaCleanup();
            }
        } catch (LinkageError e) {
            return Availability.unavailable("Winsock calls unavailable: " + e);
        }
    }

    /**
     * udp: binds (unless {@code --nobind}) and is ready at once. tcp-client: resolves the remote (this
     * may block on DNS) and prepares, and if asked binds, the first socket; connecting happens in
     * {@link LinkSocket#establish}. tcp-server: binds and listens; accepting happens in
     * {@link LinkSocket#establish}.
     *
     * @throws LinkException {@code UNSUPPORTED} when unavailable here or for an unusable port or size,
     *         {@code RESOLVE_FAILED}, {@code ADDRESS_IN_USE}, {@code PERMISSION_DENIED}, ...
     */
    @Override
    public LinkSocket open(LinkSpec spec) throws LinkException {
        Availability a = availability();
        if (!a.isAvailable()) {
            throw new LinkException(Reason.UNSUPPORTED, "winsock transport unavailable: " + a.cause());
        }
        switch (spec.protocol()) {
            case UDP:
                return WinsockUdpSocket.open(spec, ws2, k32, batchSize);
            case TCP_CLIENT:
                checkStream(spec);
                return WinsockTcpClient.open(spec, ws2, k32, batchSize);
            default:
                checkStream(spec);
                return WinsockTcpServer.open(spec, ws2, k32, batchSize);
        }
    }

    private static void checkStream(LinkSpec spec) throws LinkException {
        Addresses.checkSpec(spec);
        if (spec.protocol() == LinkProtocol.TCP_CLIENT && spec.connectTimeoutSeconds() < 1) {
            throw new LinkException(Reason.UNSUPPORTED, "connect timeout " + spec.connectTimeoutSeconds() + " s");
        }
    }

    /** The batch size the sockets get. */
    int batchSize() {
        return batchSize;
    }

    @Override
    public String toString() {
        return "winsock link transport (batch " + batchSize + ")";
    }
}
