package org.culvert.tun.linux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunException.Reason;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.openvpn.script.CommandRunner;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeSupport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Linux tun/tap driver: {@code /dev/net/tun} with {@code TUNSETIFF}, configured the way
 * OpenVPN 2.6 configures a device on Linux (the default gateway read first, MTU and link up,
 * {@code --ifconfig}, {@code --ifconfig-ipv6}, then the {@code --up} script, then
 * {@code --redirect-gateway} and {@code --route}/{@code --route-ipv6}) using iproute2's {@code ip},
 * and the tunnel's DNS set through systemd-resolved's {@code resolvectl} where it manages the resolver.
 * Closing the device undoes the routes and DNS settings in reverse order (the routes through the
 * device would go with it; the route to the server through the old gateway and a replaced default
 * route would not).
 *
 * <p>{@link #open} runs on the calling thread, and so do the {@code ip} commands and scripts it
 * starts: they inherit that thread's network namespace, and the device is created there too.
 *
 * <p>Scripts run as {@code /bin/sh -c 'COMMAND "$@"'} with OpenVPN's arguments as the positional
 * parameters, so they are appended to the command's last simple command exactly as OpenVPN
 * appends them to its argument list; a compound shell line should be put in a script file. Their
 * output is captured (and quoted in a failure's message), never inherited. {@link TunSpec#persist()}
 * is the core's business (it keeps the device open across restarts); the driver does not set
 * {@code TUNSETPERSIST}.
 *
 * <p>Driver options ({@link TunSpec#driverOptions()}): {@code topology=subnet} (IPv4 on tun takes a
 * netmask instead of a peer), {@code route-gateway=A.B.C.D}, {@code down-pre=true} (run
 * {@code --down} before releasing the device), {@code script-timeout=SECONDS} (kill a script that
 * runs longer; default: the component configuration), {@code offloads=false} (open this device
 * without the kernel offloads).
 *
 * <p>Offloads: a {@code dev tun} device opens with {@code IFF_VNET_HDR} and {@code TUNSETOFFLOAD} (see
 * {@link #offloadRefusal} for when not); its reads then split the kernel's GSO packets
 * ({@link VnetTunReader}) and its writes carry the header ({@link VnetTunWriter}).
 */
@Component(service = TunDriver.class, configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_TUN_DRIVER,
        PluginProperties.NAME + "=linux",
        PluginProperties.OS + "=linux",
        PluginProperties.HANDLE_KINDS + "=POSIX_FD",
        PluginProperties.TUN_LAYERS + "=tun",
        PluginProperties.TUN_LAYERS + "=tap",
        "service.ranking:Integer=100"})
@Designate(ocd = LinuxTunDriver.Config.class)
public final class LinuxTunDriver implements TunDriver {
    /** The tun driver's control device. */
    static final String CLONE_DEVICE = "/dev/net/tun";
    /** {@code _IOW('T', 202, int)}. */
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TUN = 0x0001;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    /** {@code _IOW('T', 208, unsigned int)}: the offload flags, passed by value. */
    static final long TUNSETOFFLOAD = 0x400454d0L;
    /** {@code _IOW('T', 216, int)}: the size of the header before each packet, passed by pointer. */
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_USO4 = 0x20;
    static final int TUN_F_USO6 = 0x40;
    /** {@code IFNAMSIZ}, including the terminating NUL. */
    static final int IFNAMSIZ = 16;
    /** {@code sizeof(struct ifreq)} on 64-bit Linux. */
    private static final int IFREQ_SIZE = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;
    private static final List<String> IP_LOCATIONS = List.of("/usr/sbin/ip", "/sbin/ip", "/bin/ip", "/usr/bin/ip");
    private static final List<String> RESOLVECTL_LOCATIONS = List.of("/usr/bin/resolvectl", "/bin/resolvectl",
            "/usr/sbin/resolvectl");
    /** How long an {@code ip} command may take before it counts as failed. */
    private static final long IP_TIMEOUT_MILLIS = 30_000;

    private static final System.Logger LOG = System.getLogger(LinuxTunDriver.class.getName());

    /** Component configuration (PID {@code org.culvert.tun.linux.LinuxTunDriver}). */
    @ObjectClassDefinition(name = "Culvert Linux tun driver",
            description = "Opens tun/tap devices through /dev/net/tun and configures them with iproute2.")
    public @interface Config {
        @AttributeDefinition(name = "Batch size", description = "Most packets one read or write handles (64 holds the segments of one 64 KB TSO packet at MSS 1448).", min = "1", max = "1024")
        int batchSize() default 64;

        @AttributeDefinition(name = "ip command", description = "Path of iproute2's ip; empty searches /usr/sbin, /sbin, /bin, /usr/bin.")
        String ipCommand() default "";

        @AttributeDefinition(name = "Script timeout", description = "Seconds an --up/--down script may run before it is killed; 0 waits without limit, as OpenVPN does.", min = "0")
        int scriptTimeoutSeconds() default 0;

        @AttributeDefinition(name = "Offloads", description = "Open tun devices with IFF_VNET_HDR and TUNSETOFFLOAD (TSO, USO,"
                + " checksum offload) where the kernel allows; false opens them as before (one packet per read). The TunSpec"
                + " driver option offloads=false turns them off for one device.")
        boolean offloads() default true;
    }

    private volatile int batchSize = 64;
    private volatile String ipCommand = "";
    private volatile long scriptTimeoutMillis;
    private volatile boolean offloads = true;

    /** For DS. */
    public LinuxTunDriver() {
    }

    @Activate
    @Modified
    void configure(Config config) {
        batchSize = Math.max(1, Math.min(1024, config.batchSize()));
        ipCommand = config.ipCommand() == null ? "" : config.ipCommand().trim();
        scriptTimeoutMillis = Math.max(0, config.scriptTimeoutSeconds()) * 1000L;
        offloads = config.offloads();
    }

    /**
     * Available when libc is usable, {@code /dev/net/tun} opens read-write (which needs
     * CAP_NET_ADMIN only for {@code TUNSETIFF}, but root or the device's group for the open) and
     * {@code ip} is found.
     */
    @Override
    public Availability availability() {
        String failure = NativeSupport.loadFailure();
        if (failure != null) {
            return Availability.unavailable(failure);
        }
        if (!Files.exists(Paths.get(CLONE_DEVICE))) {
            return Availability.unavailable(CLONE_DEVICE + " does not exist (no tun module?)");
        }
        int fd = LibC.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            return Availability.unavailable(Errno.message("cannot open " + CLONE_DEVICE, LibC.errno()));
        }
        LibC.close(fd);
        if (findIp() == null) {
            return Availability.unavailable("iproute2 'ip' not found in " + IP_LOCATIONS);
        }
        return Availability.available();
    }

    @Override
    public TunDevice open(TunSpec spec) throws TunException {
        String failure = NativeSupport.loadFailure();
        if (failure != null) {
            throw new TunException(Reason.DRIVER_VERSION, failure);
        }
        String requested = interfaceNameTemplate(spec);
        String ip = findIp();
        if (ip == null) {
            throw new TunException(Reason.CONFIGURATION_FAILED, "iproute2 'ip' not found in " + IP_LOCATIONS);
        }
        long scriptTimeout = scriptTimeout(spec);
        boolean downPre = Boolean.parseBoolean(spec.driverOptions().getOrDefault("down-pre", "false"));
        String node = spec.deviceNode() != null ? spec.deviceNode() : CLONE_DEVICE;

        Attached attached = attachDevice(node, requested, spec);
        String name = attached.name();
        LOG.log(System.Logger.Level.INFO, "{0}: offloads {1}", name, attached.offloads());
        LinuxTunDevice device = new LinuxTunDevice(attached.fd(), name, spec.layer(), spec.mtu(), batchSize, downPre, attached.vnet(),
                attached.offloads());
        boolean upRan = false;
        DeviceSetup setup = null;
        try {
            // As OpenVPN's init_route_list: the machine's default gateway and the server, before anything changes.
            String remote = remoteHost(spec);
            setup = new DeviceSetup(spec, name, defaultGateway(ip), remote, remote != null && remote.indexOf(':') >= 0
                    ? routeToServer6(ip, remote) : null);
            for (String warning : setup.warnings()) {
                LOG.log(System.Logger.Level.WARNING, warning);
            }
            for (List<String> args : setup.interfaceCommands()) {
                runIp(ip, args);
            }
            if (spec.upCommand() != null) {
                runScript("--up", spec.upCommand(), setup, "up", scriptTimeout);
            }
            upRan = true;
            if (spec.downCommand() != null) {
                DeviceSetup downSetup = setup;
                device.downAction(() -> runDown(spec.downCommand(), downSetup, scriptTimeout));
            }
            addRoutes(ip, spec, setup, device);
            applyDns(spec, name, device);
        } catch (TunException | RuntimeException e) {
            if (upRan) {
                // The --up script's work is undone the usual way; otherwise no --down, as in OpenVPN.
                device.close();
            } else {
                device.release();
            }
            throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "opened {0} device {1} (mtu {2})", spec.layer().optionName(), name, String.valueOf(spec.mtu()));
        return device;
    }

    /**
     * OpenVPN's {@code --route-delay} (a wait before adding routes), {@code --route-noexec} (none
     * added), then each route, registering its undo with the device as soon as it is in place, so a
     * failure half-way or a later close removes exactly what was added.
     */
    private static void addRoutes(String ip, TunSpec spec, DeviceSetup setup, LinuxTunDevice device) throws TunException {
        List<DeviceSetup.Step> steps = setup.routeSteps();
        if (steps.isEmpty()) {
            return;
        }
        if (spec.routeNoexec()) {
            LOG.log(System.Logger.Level.INFO, "--route-noexec: " + steps.size() + " route(s) exported to scripts, none added");
            return;
        }
        if (spec.routeDelaySeconds() > 0) {
            try {
                Thread.sleep(spec.routeDelaySeconds() * 1000L); // --route-delay is a configured wait, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TunException(Reason.CONFIGURATION_FAILED, "interrupted during --route-delay", e);
            }
        }
        for (DeviceSetup.Step step : steps) {
            runIp(ip, step.apply());
            device.addTeardown(() -> runIpQuietly(ip, step.undo()));
        }
    }

    /**
     * The tunnel's DNS through systemd-resolved, as OpenVPN 2.7's default dns-updown does, when it
     * manages the system's resolver; otherwise one line says that the settings only reach scripts.
     * A failure is a warning, as a failing dns-updown script is for OpenVPN.
     */
    private static void applyDns(TunSpec spec, String device, LinuxTunDevice tun) {
        if (spec.dns().isEmpty()) {
            return;
        }
        String resolvectl = findProgram(RESOLVECTL_LOCATIONS);
        if (resolvectl == null || !resolvedManagesResolvConf()) {
            LOG.log(System.Logger.Level.INFO, "DNS: systemd-resolved is not in use here (" + (resolvectl == null
                    ? "no resolvectl" : "/etc/resolv.conf is not its stub") + "), so the DNS settings are only exported"
                    + " to scripts (foreign_option_N, dns_*)");
            return;
        }
        List<String> problem = new ArrayList<>();
        List<List<String>> commands = ResolvedDns.up(spec.dns(), device, problem);
        problem.forEach(p -> LOG.log(System.Logger.Level.WARNING, "DNS: " + p));
        if (commands.isEmpty()) {
            return;
        }
        tun.addTeardown(() -> runIpQuietly(resolvectl, ResolvedDns.down(device)));
        try {
            for (List<String> args : commands) {
                runIp(resolvectl, args);
            }
            LOG.log(System.Logger.Level.INFO, "DNS: set on " + device + " using resolvectl");
        } catch (TunException e) {
            LOG.log(System.Logger.Level.WARNING, "DNS: " + e.getMessage());
        }
    }

    private static boolean resolvedManagesResolvConf() {
        try {
            return Files.readSymbolicLink(Path.of("/etc/resolv.conf")).toString().contains("systemd");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The best IPv4 default route and its subnet, or null when there is none or it cannot be read. */
    private static NetGateway defaultGateway(String ip) {
        try {
            CommandRunner.Result routes = CommandRunner.run(List.of(ip, "-4", "route", "show", "default"), Map.of(),
                    IP_TIMEOUT_MILLIS);
            NetGateway gw = routes.succeeded() ? NetGateway.fromDefaultRoutes(routes.output()) : null;
            if (gw == null || gw.gateway() == null) {
                return gw;
            }
            CommandRunner.Result addrs = CommandRunner.run(List.of(ip, "-o", "-4", "addr", "show", "dev", gw.device()),
                    Map.of(), IP_TIMEOUT_MILLIS);
            return addrs.succeeded() ? gw.withNetmaskFrom(addrs.output()) : gw;
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the default gateway: " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** An IPv6 server's route before the tunnel (OpenVPN's get_default_gateway_ipv6), or null. */
    private static NetGateway routeToServer6(String ip, String server) {
        try {
            CommandRunner.Result r = CommandRunner.run(List.of(ip, "-6", "route", "get", server), Map.of(), IP_TIMEOUT_MILLIS);
            return r.succeeded() ? NetGateway.fromIpv6RouteGet(r.output()) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The server's address for routes that need it: a literal as given, a name resolved now; null otherwise. */
    private static String remoteHost(TunSpec spec) {
        String host = spec.remoteHost();
        if (host == null || host.isEmpty()) {
            return null;
        }
        if (DeviceSetup.isIpv4(host)) {
            return host;
        }
        try {
            // Only a literal or a name: an IPv6 literal parses without a lookup.
            return java.net.InetAddress.getByName(host).getHostAddress();
        } catch (java.net.UnknownHostException | SecurityException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot resolve the remote host " + printable(host)
                    + " for the routes that need it: " + e.getMessage());
            return null;
        }
    }

    /** An open descriptor attached to its interface, and the path its reads and writes take. */
    private record Attached(int fd, String name, boolean vnet, String offloads) {
    }

    /**
     * Opens {@code node} and attaches the interface: with {@code IFF_VNET_HDR} and the offloads unless
     * {@link #offloadRefusal} says no; as before when the kernel refuses them (afresh when the
     * descriptor already carries the header flag, which cannot be taken back).
     */
    private Attached attachDevice(String node, String requested, TunSpec spec) throws TunException {
        int fd = openNode(node);
        String name;
        String offloadPath = offloadRefusal(spec);
        boolean vnet = offloadPath == null;
        try {
            if (vnet) {
                try {
                    name = attach(fd, node, requested, spec.layer(), IFF_VNET_HDR);
                } catch (TunException e) {
                    if (e.reason() != Reason.CONFIGURATION_FAILED) {
                        throw e;
                    }
                    // EINVAL: perhaps only the header flag (an existing device, an old kernel); try as before.
                    name = attach(fd, node, requested, spec.layer(), 0);
                    vnet = false;
                    offloadPath = "none: TUNSETIFF refused IFF_VNET_HDR";
                }
                if (vnet) {
                    offloadPath = enableOffloads(fd);
                    vnet = !offloadPath.startsWith("none");
                }
            } else {
                name = attach(fd, node, requested, spec.layer(), 0);
            }
            if (!vnet && offloadPath.startsWith("none: kernel")) {
                LibC.close(fd);
                fd = -1; // closed: not again should the new open fail
                fd = openNode(node);
                name = attach(fd, node, requested, spec.layer(), 0);
            }
        } catch (TunException e) {
            if (fd >= 0) {
                LibC.close(fd);
            }
            throw e;
        }
        return new Attached(fd, name, vnet, offloadPath);
    }

    private static int openNode(String node) throws TunException {
        int fd = LibC.open(node, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            int err = LibC.errno();
            throw new TunException(openReason(err), Errno.message("cannot open " + node, err));
        }
        return fd;
    }

    /**
     * Why this device opens without offloads (tap; the component configuration or the tunnel's driver
     * option {@code offloads=false}), or null when it tries them.
     */
    String offloadRefusal(TunSpec spec) {
        if (spec.layer() != TunLayer.TUN) {
            return "none: " + spec.layer().optionName() + " (offloads are for dev tun)";
        }
        if (!offloads) {
            return "none: off in the driver's configuration";
        }
        if ("false".equalsIgnoreCase(spec.driverOptions().getOrDefault("offloads", "true").trim())) {
            return "none: driver option offloads=false";
        }
        return null;
    }

    /**
     * {@code TUNSETVNETHDRSZ} (the 10-byte header) and {@code TUNSETOFFLOAD} with checksum, TSO and USO,
     * again without USO when the kernel refuses it ({@code EINVAL} before Linux 6.2), as wireguard-go does.
     * Returns what {@link TunDevice#offloads()} reports: a path starting with {@code "none: kernel"} when
     * the kernel refused the offloads.
     */
    private static String enableOffloads(int fd) {
        ByteBuffer size = DirectBuffers.allocateNative(4);
        size.putInt(0, VirtioNetHdr.LEN);
        int sizeSet = LibC.ioctl(fd, TUNSETVNETHDRSZ, DirectBuffers.address(size));
        java.lang.ref.Reference.reachabilityFence(size); // the kernel read it: not freed before
        if (sizeSet != 0) {
            return "none: kernel refused TUNSETVNETHDRSZ (" + Errno.name(LibC.errno()) + ")";
        }
        int tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
        if (LibC.ioctl(fd, TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0) {
            return "vnet-hdr: csum tso4 tso6 uso4 uso6, gso split";
        }
        int err = LibC.errno();
        if (err == Errno.EINVAL && LibC.ioctl(fd, TUNSETOFFLOAD, tcp) == 0) {
            return "vnet-hdr: csum tso4 tso6, gso split (kernel refused uso)";
        }
        return "none: kernel refused TUNSETOFFLOAD (" + Errno.name(err == Errno.EINVAL ? LibC.errno() : err) + ")";
    }

    /** {@code TUNSETIFF}: creates or attaches the interface; returns the name the kernel gave it. */
    private static String attach(int fd, String node, String requested, TunLayer layer, int extraFlags) throws TunException {
        ByteBuffer ifreq = DirectBuffers.allocateNative(IFREQ_SIZE);
        byte[] nameBytes = requested.getBytes(StandardCharsets.US_ASCII);
        ifreq.put(0, nameBytes, 0, nameBytes.length);
        ifreq.putShort(IFREQ_FLAGS_OFFSET, (short) ((layer == TunLayer.TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI | extraFlags));
        if (LibC.ioctl(fd, TUNSETIFF, DirectBuffers.address(ifreq)) != 0) {
            int err = LibC.errno();
            String what = "TUNSETIFF " + layer.optionName() + " '" + requested + "' on " + node;
            switch (err) {
                case Errno.EPERM:
                case Errno.EACCES:
                    throw new TunException(Reason.PERMISSION_DENIED, Errno.message(what + " (needs CAP_NET_ADMIN)", err));
                case Errno.EBUSY:
                    throw new TunException(Reason.DEVICE_BUSY, Errno.message(what + " (held by another process)", err));
                case Errno.EINVAL:
                    throw new TunException(Reason.CONFIGURATION_FAILED,
                            Errno.message(what + " (name taken by a device of another kind?)", err));
                case Errno.ENOTTY:
                case Errno.EBADFD:
                    throw new TunException(Reason.DEVICE_NOT_FOUND, Errno.message(what + " (not a tun/tap control device)", err));
                default:
                    throw new TunException(Reason.IO_ERROR, Errno.message(what, err));
            }
        }
        byte[] actual = new byte[IFNAMSIZ];
        ifreq.get(0, actual);
        int length = 0;
        while (length < IFNAMSIZ && actual[length] != 0) {
            length++;
        }
        return new String(actual, 0, length, StandardCharsets.US_ASCII);
    }

    /**
     * {@code tun%d}/{@code tap%d} for a bare {@code tun}/{@code tap} (or no name), as OpenVPN's
     * {@code --dev tun} lets the kernel pick; otherwise the exact name, checked as the kernel's
     * {@code dev_valid_name} would (and restricted to printable ASCII).
     */
    static String interfaceNameTemplate(TunSpec spec) throws TunException {
        String name = spec.name();
        if (name == null || name.isEmpty() || name.equals(spec.layer().optionName())) {
            return spec.layer().optionName() + "%d";
        }
        String problem = null;
        if (name.length() >= IFNAMSIZ) {
            problem = "longer than " + (IFNAMSIZ - 1) + " characters";
        } else if (name.equals(".") || name.equals("..")) {
            problem = "reserved";
        } else {
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= ' ' || c >= 0x7f || c == '/' || c == ':') {
                    problem = "contains '" + (c < ' ' || c >= 0x7f ? "\\u" + Integer.toHexString(c) : String.valueOf(c)) + "'";
                    break;
                }
            }
        }
        if (problem != null) {
            throw new TunException(Reason.CONFIGURATION_FAILED, "invalid device name '" + printable(name) + "': " + problem);
        }
        return name;
    }

    private static Reason openReason(int err) {
        switch (err) {
            case Errno.ENOENT:
            case Errno.ENODEV:
            case Errno.ENXIO:
            case Errno.ENOTDIR:
                return Reason.DEVICE_NOT_FOUND;
            case Errno.EACCES:
            case Errno.EPERM:
                return Reason.PERMISSION_DENIED;
            case Errno.EBUSY:
                return Reason.DEVICE_BUSY;
            default:
                return Reason.IO_ERROR;
        }
    }

    private long scriptTimeout(TunSpec spec) throws TunException {
        String option = spec.driverOptions().get("script-timeout");
        if (option == null) {
            return scriptTimeoutMillis;
        }
        try {
            long seconds = Long.parseLong(option.trim());
            if (seconds < 0) {
                throw new NumberFormatException();
            }
            return seconds * 1000L;
        } catch (NumberFormatException e) {
            throw new TunException(Reason.CONFIGURATION_FAILED, "script-timeout '" + printable(option) + "' is not a number of seconds");
        }
    }

    private String findIp() {
        String configured = ipCommand;
        if (!configured.isEmpty()) {
            return Files.isExecutable(Paths.get(configured)) ? configured : null;
        }
        return findProgram(IP_LOCATIONS);
    }

    private static String findProgram(List<String> locations) {
        for (String candidate : locations) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /** Runs an undo command; a failure (the route already gone with its device) is only logged. */
    private static void runIpQuietly(String program, List<String> args) {
        try {
            runIp(program, args);
        } catch (TunException e) {
            LOG.log(System.Logger.Level.DEBUG, e.getMessage());
        }
    }

    private static void runIp(String ip, List<String> args) throws TunException {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add(ip);
        command.addAll(args);
        String line = String.join(" ", command);
        LOG.log(System.Logger.Level.DEBUG, "running {0}", line);
        CommandRunner.Result result;
        try {
            result = CommandRunner.run(command, Map.of(), IP_TIMEOUT_MILLIS);
        } catch (java.io.IOException e) {
            throw new TunException(Reason.CONFIGURATION_FAILED, "'" + line + "' could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunException(Reason.CONFIGURATION_FAILED, "interrupted while running '" + line + "'", e);
        }
        if (!result.succeeded()) {
            throw new TunException(Reason.CONFIGURATION_FAILED, "'" + line + "' failed, " + result.describe(IP_TIMEOUT_MILLIS));
        }
    }

    /**
     * Runs {@code /bin/sh -c 'COMMAND "$@"' ARGS...}: the shell parses the configured command line as
     * OpenVPN's own parser would split it, and OpenVPN's arguments are appended to it as separate
     * words, never re-parsed.
     */
    private static void runScript(String option, String commandLine, DeviceSetup setup, String scriptType, long timeoutMillis)
            throws TunException {
        List<String> command = CommandRunner.scriptCommand(commandLine, "culvert-" + scriptType, setup.scriptArguments());
        CommandRunner.Result result;
        try {
            result = CommandRunner.run(command, setup.scriptEnvironment(scriptType), timeoutMillis);
        } catch (java.io.IOException e) {
            throw new TunException(Reason.SCRIPT_FAILED, option + " script could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TunException(Reason.SCRIPT_FAILED, "interrupted while running the " + option + " script", e);
        }
        if (!result.succeeded()) {
            throw new TunException(Reason.SCRIPT_FAILED, option + " script '" + commandLine + "' failed, " + result.describe(timeoutMillis));
        }
    }

    private static void runDown(String commandLine, DeviceSetup setup, long timeoutMillis) {
        try {
            runScript("--down", commandLine, setup, "down", timeoutMillis);
        } catch (TunException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < ' ' || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "linux tun driver";
    }
}
