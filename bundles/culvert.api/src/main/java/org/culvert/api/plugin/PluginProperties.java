package org.culvert.api.plugin;

/**
 * Service property names every Culvert plugin registers with, and their well-known values.
 *
 * <p>A tunnel picks its plugins with LDAP filters over these properties (for example
 * {@code (culvert.plugin.name=epoll)}); without a filter the core takes the usable service with the
 * highest {@code service.ranking}. Plugins should register on the OS they are built for a ranking
 * that makes them the default there (the epoll backend outranks poll, which outranks NIO).
 */
public final class PluginProperties {
    /** Which SPI the service implements: one of {@link #KIND_TUN_DRIVER}, {@link #KIND_EVENT_BACKEND}, {@link #KIND_LINK_TRANSPORT}. */
    public static final String KIND = "culvert.plugin.kind";
    /** Short unique name of the implementation, e.g. {@code linux}, {@code wintun}, {@code epoll}, {@code udp}. */
    public static final String NAME = "culvert.plugin.name";
    /** Operating systems (OSGi {@code osgi.native.osname} aliases such as {@code linux}, {@code win32}) or {@code any}. */
    public static final String OS = "culvert.plugin.os";
    /**
     * {@link org.culvert.api.event.HandleKind} names. For a backend: the kinds it can wait on. For a
     * driver or a transport: the kind of {@link org.culvert.api.event.Waitable} its devices or sockets expose.
     */
    public static final String HANDLE_KINDS = "culvert.plugin.handle.kinds";
    /** For link transports: the {@link org.culvert.api.link.LinkProtocol#optionName()} values served. */
    public static final String LINK_PROTOCOLS = "culvert.link.protocols";
    /**
     * For link transports: the proxies a tcp-client socket can go through, {@value #PROXY_HTTP} and/or
     * {@value #PROXY_SOCKS5}. A transport without the property honours no proxy, and the core does not
     * choose it for a spec with one.
     *
     * @since plugin 1.1
     */
    public static final String LINK_PROXIES = "culvert.link.proxies";
    /** @since plugin 1.1 */
    public static final String PROXY_HTTP = "http";
    /** @since plugin 1.1 */
    public static final String PROXY_SOCKS5 = "socks5";
    /** For tun drivers: the {@link org.culvert.api.tun.TunLayer#optionName()} values served ({@code tun}, {@code tap}). */
    public static final String TUN_LAYERS = "culvert.tun.layers";

    public static final String KIND_TUN_DRIVER = "tun-driver";
    public static final String KIND_EVENT_BACKEND = "event-backend";
    public static final String KIND_LINK_TRANSPORT = "link-transport";
    /** Value of {@link #OS} for plugins that run anywhere Java runs. */
    public static final String OS_ANY = "any";

    private PluginProperties() {
    }
}
