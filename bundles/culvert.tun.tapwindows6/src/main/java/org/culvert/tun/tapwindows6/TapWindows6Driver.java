package org.culvert.tun.tapwindows6;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.platform.win32.CommandRunner;
import org.culvert.platform.win32.DeviceScripts;
import org.culvert.platform.win32.InterfaceSetup;
import org.culvert.platform.win32.Ipv4;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.OverlappedIo;
import org.culvert.platform.win32.Win32Errors;
import org.culvert.platform.win32.Win32Native;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The TAP-Windows6 tun/tap driver (OpenVPN's {@code --windows-driver tap-windows6}). {@link #open}
 * finds the adapters whose component id is configured ({@code tap0901}) in the registry, picks the
 * one {@code --dev-node} names (connection name or GUID) or else the first that is free, opens
 * {@code \\.\Global\{GUID}.tap} for overlapped I/O, checks the driver version (9.9 or later, as
 * OpenVPN requires), reads the adapter MTU, puts the adapter into tun mode for {@code dev-type tun}
 * ({@code TAP_WIN_IOCTL_CONFIG_TUN} with the {@code --ifconfig} addresses), sets the media status to
 * connected, configures addresses, MTU and routes with netsh, and runs {@code --up}.
 *
 * <p>Failures map to {@link TunException} reasons: no adapter or the named one missing →
 * {@code DEVICE_NOT_FOUND}; every candidate held by another process → {@code DEVICE_BUSY}; driver too
 * old or its version unreadable → {@code DRIVER_VERSION}; a spec asking for another Windows driver
 * → {@code UNSUPPORTED}; tun mode without {@code --ifconfig}, or netsh failing →
 * {@code CONFIGURATION_FAILED}; {@code --up} failing → {@code SCRIPT_FAILED}. Nothing stays open then.
 *
 * <p>Registered only where the bundle resolves (Windows x86-64/aarch64); {@link #availability()} says
 * why it cannot work otherwise. {@link #open} may be called from any thread; it blocks for netsh and
 * the script, never on the network.
 */
@Component(service = TunDriver.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_TUN_DRIVER,
        PluginProperties.NAME + "=" + TapWindows6Driver.NAME,
        PluginProperties.OS + "=win32",
        PluginProperties.TUN_LAYERS + "=tun",
        PluginProperties.TUN_LAYERS + "=tap",
        PluginProperties.HANDLE_KINDS + "=WIN32_EVENT",
        "service.ranking:Integer=200"})
@Designate(ocd = TapWindows6Driver.Config.class)
public final class TapWindows6Driver implements TunDriver {
    /** The plugin name, and the {@code --windows-driver} value that selects it. */
    public static final String NAME = "tap-windows6";
    /** {@link TunSpec#driverOptions()} key: OpenVPN's {@code --windows-driver}. */
    public static final String OPTION_WINDOWS_DRIVER = "windows-driver";
    /** {@link TunSpec#driverOptions()} key: component ids to look for instead of the configured ones (comma-separated). */
    public static final String OPTION_COMPONENT_ID = "component-id";

    private static final System.Logger LOG = System.getLogger(TapWindows6Driver.class.getName());

    @ObjectClassDefinition(name = "Culvert TAP-Windows6 driver", description = "Finds and opens TAP-Windows6 adapters")
    public @interface Config {
        @AttributeDefinition(description = "ComponentId values of the TAP adapters to use (OpenVPN's tap0901)")
        String[] componentIds() default { "tap0901", "root\\tap0901" };

        @AttributeDefinition(description = "Oldest driver version accepted, major.minor (OpenVPN needs 9.9)")
        String minimumVersion() default "9.9";

        @AttributeDefinition(description = "Packets one read or write handles at most")
        int batchSize() default 8;

        @AttributeDefinition(description = "How to configure addresses, MTU and routes: netsh, or none (leave it to --up or the administrator)")
        String ipConfig() default "netsh";

        @AttributeDefinition(description = "Time limit for each netsh call and the --up/--down scripts, in milliseconds")
        long commandTimeoutMillis() default 30_000;
    }

    /** The configuration, checked. */
    static final class Settings {
        final Set<String> componentIds;
        final int minimumMajor;
        final int minimumMinor;
        final int batchSize;
        final boolean netsh;
        final long commandTimeoutMillis;

        Settings(String[] componentIds, String minimumVersion, int batchSize, String ipConfig, long commandTimeoutMillis) {
            this.componentIds = lowerCase(Arrays.asList(componentIds));
            if (this.componentIds.isEmpty()) {
                throw new IllegalArgumentException("no component ids");
            }
            String[] v = minimumVersion.trim().split("\\.");
            if (v.length != 2) {
                throw new IllegalArgumentException("minimumVersion '" + minimumVersion + "' is not major.minor");
            }
            minimumMajor = Integer.parseInt(v[0]);
            minimumMinor = Integer.parseInt(v[1]);
            if (batchSize < 1 || batchSize > 1024) {
                throw new IllegalArgumentException("batchSize " + batchSize);
            }
            this.batchSize = batchSize;
            switch (ipConfig.trim().toLowerCase(Locale.ROOT)) {
                case "netsh":
                    netsh = true;
                    break;
                case "none":
                    netsh = false;
                    break;
                default:
                    throw new IllegalArgumentException("ipConfig '" + ipConfig + "' (netsh or none)");
            }
            this.commandTimeoutMillis = commandTimeoutMillis;
        }

        static Settings of(Config c) {
            return new Settings(c.componentIds(), c.minimumVersion(), c.batchSize(), c.ipConfig(), c.commandTimeoutMillis());
        }

        static Settings defaults() {
            return new Settings(new String[] { "tap0901", "root\\tap0901" }, "9.9", 8, "netsh", 30_000);
        }
    }

    private volatile Kernel32Api kernel32;
    private volatile RegistryApi registry;
    private volatile CommandRunner commands;
    private volatile Settings settings;
    private volatile Availability availability = Availability.unavailable("not activated");

    /** For Declarative Services; {@link #activate} binds the natives. */
    public TapWindows6Driver() {
    }

    /** Over given natives (fakes in tests). */
    TapWindows6Driver(Kernel32Api kernel32, RegistryApi registry, CommandRunner commands, Settings settings) {
        this.kernel32 = Objects.requireNonNull(kernel32);
        this.registry = Objects.requireNonNull(registry);
        this.commands = Objects.requireNonNull(commands);
        this.settings = Objects.requireNonNull(settings);
        this.availability = Availability.available();
    }

    @Activate
    void activate(Config config) {
        // Never throw from here: SCR has registered the service already (see stack notes), so an
        // unusable driver reports it through availability() instead.
        try {
            settings = Settings.of(config);
        } catch (IllegalArgumentException e) {
            availability = Availability.unavailable("bad configuration: " + e.getMessage());
            return;
        }
        String failure = Win32Native.loadFailure();
        if (failure != null) {
            availability = Availability.unavailable(failure);
            return;
        }
        kernel32 = Win32Native.kernel32();
        registry = new JnaRegistry();
        commands = CommandRunner.processes();
        availability = Availability.available();
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public TunDevice open(TunSpec spec) throws TunException {
        Availability a = availability;
        if (!a.isAvailable()) {
            throw new TunException(TunException.Reason.DRIVER_VERSION, "TAP-Windows6 driver unusable here: " + a.cause());
        }
        String wanted = spec.driverOptions().get(OPTION_WINDOWS_DRIVER);
        if (wanted != null && !wanted.trim().equalsIgnoreCase(NAME)) {
            throw new TunException(TunException.Reason.UNSUPPORTED, "the configuration asks for --windows-driver " + wanted
                    + "; this is the " + NAME + " driver");
        }
        if (spec.layer() == TunLayer.TUN && spec.ifconfigLocal() == null) {
            throw new TunException(TunException.Reason.CONFIGURATION_FAILED,
                    "dev-type tun on TAP-Windows6 needs --ifconfig: the driver emulates a tun device over Ethernet with those addresses");
        }
        Settings s = settings;
        Set<String> ids = s.componentIds;
        String idOption = spec.driverOptions().get(OPTION_COMPONENT_ID);
        if (idOption != null && !idOption.isBlank()) {
            ids = lowerCase(Arrays.asList(idOption.split(",")));
        }
        List<TapAdapter> adapters;
        try {
            adapters = TapAdapters.find(registry, ids);
        } catch (IOException e) {
            throw new TunException(TunException.Reason.IO_ERROR, "cannot list network adapters: " + e.getMessage(), e);
        }
        if (adapters.isEmpty()) {
            throw new TunException(TunException.Reason.DEVICE_NOT_FOUND, "no TAP-Windows6 adapter (component id " + String.join("/", ids)
                    + ") is installed; install tap-windows6 and add one with tapctl create");
        }
        List<TapAdapter> candidates = candidates(adapters, spec.deviceNode());
        TapDevice device = openFirstUsable(candidates, spec, s, spec.deviceNode() != null);
        try {
            configure(device, spec, s);
        } catch (TunException | RuntimeException e) {
            device.close();
            throw e;
        }
        return device;
    }

    private static List<TapAdapter> candidates(List<TapAdapter> adapters, String deviceNode) throws TunException {
        if (deviceNode == null || deviceNode.isBlank()) {
            return adapters;
        }
        for (TapAdapter a : adapters) {
            if (a.matches(deviceNode)) {
                return List.of(a);
            }
        }
        throw new TunException(TunException.Reason.DEVICE_NOT_FOUND,
                "--dev-node '" + deviceNode + "' names no TAP-Windows6 adapter; installed: " + adapters);
    }

    /** Tries each candidate; with a named adapter every failure is final, otherwise a busy one is skipped. */
    private TapDevice openFirstUsable(List<TapAdapter> candidates, TunSpec spec, Settings s, boolean named) throws TunException {
        List<String> busy = new ArrayList<>();
        for (TapAdapter adapter : candidates) {
            try {
                return openAdapter(adapter, spec, s);
            } catch (TunException e) {
                if (named || e.reason() != TunException.Reason.DEVICE_BUSY) {
                    throw e;
                }
                busy.add(adapter.displayName());
            }
        }
        throw new TunException(TunException.Reason.DEVICE_BUSY, "all TAP-Windows6 adapters are in use " + busy
                + "; add one with tapctl create or name a free one with --dev-node");
    }

    private TapDevice openAdapter(TapAdapter adapter, TunSpec spec, Settings s) throws TunException {
        Kernel32Api k = kernel32;
        long handle = k.createFile(adapter.devicePath(), Kernel32Api.GENERIC_READ | Kernel32Api.GENERIC_WRITE, 0,
                Kernel32Api.OPEN_EXISTING, Kernel32Api.FILE_ATTRIBUTE_SYSTEM | Kernel32Api.FILE_FLAG_OVERLAPPED);
        if (handle == Kernel32Api.INVALID_HANDLE_VALUE) {
            throw openFailure(adapter, k.getLastError());
        }
        long readEvent = 0;
        long writeEvent = 0;
        OverlappedIo reads = null;
        OverlappedIo writes = null;
        try {
            checkVersion(k, handle, adapter, s);
            int adapterMtu = queryMtu(k, handle);
            if (adapterMtu > 0 && adapterMtu != spec.mtu()) {
                LOG.log(System.Logger.Level.INFO, "tap-windows6: adapter=" + adapter.displayName() + " mtu=" + adapterMtu + " tun-mtu=" + spec.mtu()
                        + " (netsh sets the interface MTU)");
            }
            if (spec.layer() == TunLayer.TUN) {
                configureTunMode(k, handle, adapter, spec);
            }
            if (!k.deviceIoControl(handle, TapIoctl.SET_MEDIA_STATUS, TapIoctl.ulong(1), null, null)) {
                throw new TunException(TunException.Reason.CONFIGURATION_FAILED, "TAP adapter " + adapter + ": "
                        + Win32Errors.message("TAP_WIN_IOCTL_SET_MEDIA_STATUS", k.getLastError()));
            }
            // Manual-reset events: readiness stays reported until the device consumes it (level-triggered).
            readEvent = createEvent(k, false);
            writeEvent = createEvent(k, true); // signalled = no write in flight = writable
            int bufferSize = bufferSize(spec);
            reads = k.newOverlappedIo(readEvent, bufferSize);
            writes = k.newOverlappedIo(writeEvent, bufferSize);
            return new TapDevice(k, adapter, handle, spec.layer(), spec.mtu(), s.batchSize, readEvent, writeEvent, reads, writes);
        } catch (TunException | RuntimeException e) {
            if (reads != null) {
                reads.close();
            }
            if (writes != null) {
                writes.close();
            }
            if (readEvent != 0) {
                k.closeHandle(readEvent);
            }
            if (writeEvent != 0) {
                k.closeHandle(writeEvent);
            }
            k.closeHandle(handle);
            throw e;
        }
    }

    private static TunException openFailure(TapAdapter adapter, int error) {
        String message = "cannot open TAP adapter " + adapter + ": " + Win32Errors.message("CreateFile", error);
        switch (error) {
            case Kernel32Api.ERROR_FILE_NOT_FOUND:
            case Kernel32Api.ERROR_PATH_NOT_FOUND:
            case Kernel32Api.ERROR_GEN_FAILURE:
            case Kernel32Api.ERROR_DEV_NOT_EXIST:
                return new TunException(TunException.Reason.DEVICE_NOT_FOUND, message + " (adapter disabled, or its driver not running)");
            case Kernel32Api.ERROR_ACCESS_DENIED:
            case Kernel32Api.ERROR_SHARING_VIOLATION:
            case Kernel32Api.ERROR_BUSY:
                // TAP-Windows6 lets one process hold an adapter; a second open is refused this way.
                return new TunException(TunException.Reason.DEVICE_BUSY, message + " (in use by another process?)");
            default:
                return new TunException(TunException.Reason.IO_ERROR, message);
        }
    }

    private static void checkVersion(Kernel32Api k, long handle, TapAdapter adapter, Settings s) throws TunException {
        byte[] out = new byte[12];
        int[] returned = new int[1];
        if (!k.deviceIoControl(handle, TapIoctl.GET_VERSION, null, out, returned) || returned[0] < 8) {
            throw new TunException(TunException.Reason.DRIVER_VERSION, "TAP adapter " + adapter
                    + ": cannot read the driver version (" + Win32Errors.describe(k.getLastError()) + ")");
        }
        int major = TapIoctl.ulongAt(out, 0);
        int minor = TapIoctl.ulongAt(out, 1);
        if (major < s.minimumMajor || (major == s.minimumMajor && minor < s.minimumMinor)) {
            throw new TunException(TunException.Reason.DRIVER_VERSION, "TAP-Windows6 driver " + major + "." + minor + " on adapter "
                    + adapter + " is too old: " + s.minimumMajor + "." + s.minimumMinor + " or later is needed");
        }
    }

    private static int queryMtu(Kernel32Api k, long handle) {
        byte[] out = new byte[4];
        int[] returned = new int[1];
        return k.deviceIoControl(handle, TapIoctl.GET_MTU, null, out, returned) && returned[0] >= 4 ? TapIoctl.ulongAt(out, 0) : -1;
    }

    /**
     * {@code TAP_WIN_IOCTL_CONFIG_TUN}: local address, then remote network and netmask. With a netmask
     * ({@code topology subnet}) the network is the local subnet; with a remote address (net30 or p2p
     * topology) it is that address with a /32 mask, which is what the older
     * {@code CONFIG_POINT_TO_POINT} did.
     */
    private static void configureTunMode(Kernel32Api k, long handle, TapAdapter adapter, TunSpec spec) throws TunException {
        int local;
        int second;
        try {
            local = Ipv4.parse(spec.ifconfigLocal());
            second = Ipv4.parse(spec.ifconfigRemoteOrNetmask());
        } catch (IllegalArgumentException e) {
            throw new TunException(TunException.Reason.CONFIGURATION_FAILED, "--ifconfig: " + e.getMessage(), e);
        }
        boolean subnet = InterfaceSetup.secondAddressIsNetmask(spec, second);
        byte[] in = new byte[12];
        Ipv4.put(in, 0, local);
        Ipv4.put(in, 4, subnet ? local & second : second);
        Ipv4.put(in, 8, subnet ? second : -1);
        if (!k.deviceIoControl(handle, TapIoctl.CONFIG_TUN, in, in.clone(), new int[1])) {
            throw new TunException(TunException.Reason.CONFIGURATION_FAILED, "TAP adapter " + adapter + ": "
                    + Win32Errors.message("TAP_WIN_IOCTL_CONFIG_TUN", k.getLastError()));
        }
    }

    private static long createEvent(Kernel32Api k, boolean signalled) throws TunException {
        long e = k.createEvent(true, signalled);
        if (e == 0) {
            throw new TunException(TunException.Reason.IO_ERROR, Win32Errors.message("CreateEvent", k.getLastError()));
        }
        return e;
    }

    /** Room for the largest frame: the MTU plus an Ethernet header with a VLAN tag, and some slack. */
    static int bufferSize(TunSpec spec) {
        return Math.min(65_536, spec.mtu() + 18 + 110);
    }

    private void configure(TapDevice device, TunSpec spec, Settings s) throws TunException {
        CommandRunner runner = commands;
        InterfaceSetup setup = new InterfaceSetup(runner, s.commandTimeoutMillis);
        DeviceScripts scripts = new DeviceScripts(runner, s.commandTimeoutMillis);
        List<InterfaceSetup.Step> steps = s.netsh ? InterfaceSetup.plan(device.name(), spec) : List.of();
        setup.apply(steps);
        device.onRelease(() -> {
            for (String failure : setup.undo(steps)) {
                LOG.log(System.Logger.Level.WARNING, "tap-windows6: adapter=" + device.name() + " undo failed: " + failure);
            }
            String downFailure = scripts.down(spec, device.name());
            if (downFailure != null) {
                LOG.log(System.Logger.Level.WARNING, "tap-windows6: adapter=" + device.name() + " " + downFailure);
            }
        });
        try {
            scripts.up(spec, device.name());
        } catch (TunException e) {
            // close() undoes netsh; the down script must not run for an up script that failed.
            device.onRelease(() -> {
                for (String failure : setup.undo(steps)) {
                    LOG.log(System.Logger.Level.WARNING, "tap-windows6: adapter=" + device.name() + " undo failed: " + failure);
                }
            });
            throw e;
        }
    }

    private static Set<String> lowerCase(List<String> values) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                out.add(v.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
