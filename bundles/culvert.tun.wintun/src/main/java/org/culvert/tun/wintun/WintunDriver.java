package org.culvert.tun.wintun;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

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
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.Win32Errors;
import org.culvert.platform.win32.Win32Native;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Wintun tun driver (OpenVPN's {@code --windows-driver wintun}) on the current {@code wintun.dll}
 * API. {@link #open} opens the adapter {@code --dev-node} names, or opens or creates the configured
 * one (creating needs Administrator rights; an adapter this driver created is removed again on
 * close), checks the running driver version, starts a session with the configured ring capacity,
 * configures addresses, MTU and routes with netsh and runs {@code --up}. Layer 3 only: dev-type tap
 * is {@code UNSUPPORTED}.
 *
 * <p>The DLL is loaded by absolute path when the component activates (see {@link WintunDll} for
 * where it is looked for) and released when it deactivates, after every device this driver opened
 * has been closed. Where it cannot be loaded, {@link #availability()} says why and {@link #open}
 * throws {@code DRIVER_VERSION}.
 *
 * <p>Failures map to {@link TunException} reasons: named adapter missing → {@code DEVICE_NOT_FOUND};
 * creating refused → {@code PERMISSION_DENIED}; adapter already in a session elsewhere →
 * {@code DEVICE_BUSY}; driver not running or older than configured → {@code DRIVER_VERSION}; a spec
 * asking for another Windows driver → {@code UNSUPPORTED}; netsh → {@code CONFIGURATION_FAILED};
 * {@code --up} → {@code SCRIPT_FAILED}. Nothing stays open then. {@link #open} may be called from any
 * thread; it blocks for adapter creation, netsh and the script, never on the network.
 */
@Component(service = TunDriver.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_TUN_DRIVER,
        PluginProperties.NAME + "=" + WintunDriver.NAME,
        PluginProperties.OS + "=win32",
        PluginProperties.TUN_LAYERS + "=tun",
        PluginProperties.HANDLE_KINDS + "=WIN32_EVENT",
        "service.ranking:Integer=150"})
@Designate(ocd = WintunDriver.Config.class)
public final class WintunDriver implements TunDriver {
    /** The plugin name, and the {@code --windows-driver} value that selects it. */
    public static final String NAME = "wintun";
    /** {@link TunSpec#driverOptions()} key: OpenVPN's {@code --windows-driver}. */
    public static final String OPTION_WINDOWS_DRIVER = "windows-driver";

    private static final System.Logger LOG = System.getLogger(WintunDriver.class.getName());

    @ObjectClassDefinition(name = "Culvert Wintun driver", description = "Opens Wintun adapters through wintun.dll")
    public @interface Config {
        @AttributeDefinition(description = "Absolute path of wintun.dll (takes precedence over dllDirectory)")
        String dllPath() default "";

        @AttributeDefinition(description = "Absolute path of the unpacked wintun.net zip (bin\\<arch>\\wintun.dll is used); "
                + "default: the system property culvert.wintun.dir")
        String dllDirectory() default "";

        @AttributeDefinition(description = "Adapter opened or created when --dev-node names none")
        String adapterName() default "Culvert";

        @AttributeDefinition(description = "Tunnel type of adapters this driver creates")
        String tunnelType() default "Culvert";

        @AttributeDefinition(description = "GUID requested for adapters this driver creates (stable network profile); empty: random")
        String adapterGuid() default "";

        @AttributeDefinition(description = "Ring capacity in bytes: a power of two from 131072 (128 KiB) to 67108864 (64 MiB)")
        int ringCapacity() default 0x400000;

        @AttributeDefinition(description = "Oldest Wintun driver accepted, major.minor")
        String minimumVersion() default "0.14";

        @AttributeDefinition(description = "Packets one read or write handles at most")
        int batchSize() default 32;

        @AttributeDefinition(description = "How to configure addresses, MTU and routes: netsh, or none")
        String ipConfig() default "netsh";

        @AttributeDefinition(description = "Time limit for each netsh call and the --up/--down scripts, in milliseconds")
        long commandTimeoutMillis() default 30_000;
    }

    /** The configuration, checked. */
    static final class Settings {
        final String adapterName;
        final String tunnelType;
        final UUID adapterGuid;
        final int ringCapacity;
        final int minimumVersion;
        final int batchSize;
        final boolean netsh;
        final long commandTimeoutMillis;

        Settings(String adapterName, String tunnelType, String adapterGuid, int ringCapacity, String minimumVersion, int batchSize,
                String ipConfig, long commandTimeoutMillis) {
            if (adapterName == null || adapterName.isBlank() || adapterName.length() > 127) {
                throw new IllegalArgumentException("adapterName '" + adapterName + "'");
            }
            this.adapterName = adapterName.trim();
            this.tunnelType = tunnelType == null || tunnelType.isBlank() ? "Culvert" : tunnelType.trim();
            this.adapterGuid = adapterGuid == null || adapterGuid.isBlank() ? null
                    : UUID.fromString(adapterGuid.trim().replace("{", "").replace("}", ""));
            if (ringCapacity < WintunApi.MIN_RING_CAPACITY || ringCapacity > WintunApi.MAX_RING_CAPACITY
                    || Integer.bitCount(ringCapacity) != 1) {
                throw new IllegalArgumentException("ringCapacity " + ringCapacity + " is not a power of two in "
                        + WintunApi.MIN_RING_CAPACITY + ".." + WintunApi.MAX_RING_CAPACITY);
            }
            this.ringCapacity = ringCapacity;
            String[] v = minimumVersion.trim().split("\\.");
            if (v.length != 2) {
                throw new IllegalArgumentException("minimumVersion '" + minimumVersion + "' is not major.minor");
            }
            this.minimumVersion = (Integer.parseInt(v[0]) << 16) | Integer.parseInt(v[1]);
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
            return new Settings(c.adapterName(), c.tunnelType(), c.adapterGuid(), c.ringCapacity(), c.minimumVersion(), c.batchSize(),
                    c.ipConfig(), c.commandTimeoutMillis());
        }

        static Settings defaults() {
            return new Settings("Culvert", "Culvert", "", 0x400000, "0.14", 32, "netsh", 30_000);
        }
    }

    private final Set<WintunDevice> openDevices = ConcurrentHashMap.newKeySet();
    private volatile WintunApi wintun;
    private volatile Kernel32Api kernel32;
    private volatile CommandRunner commands;
    private volatile Settings settings;
    private volatile Availability availability = Availability.unavailable("not activated");

    /** For Declarative Services; {@link #activate} loads the DLL. */
    public WintunDriver() {
    }

    /** Over given natives (fakes in tests). */
    WintunDriver(WintunApi wintun, Kernel32Api kernel32, CommandRunner commands, Settings settings) {
        this.wintun = Objects.requireNonNull(wintun);
        this.kernel32 = Objects.requireNonNull(kernel32);
        this.commands = Objects.requireNonNull(commands);
        this.settings = Objects.requireNonNull(settings);
        this.availability = Availability.available();
    }

    @Activate
    void activate(Config config, BundleContext context) {
        // Never throw from here: SCR has registered the service already, so report through availability().
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
        Path dll;
        try {
            dll = WintunDll.locate(config.dllPath(), config.dllDirectory(), WintunDll.arch(), bundleEntries(context));
        } catch (IOException e) {
            availability = Availability.unavailable(e.getMessage());
            return;
        }
        try {
            wintun = new JnaWintun(dll);
        } catch (LinkageError | RuntimeException e) {
            availability = Availability.unavailable("cannot load " + dll + ": " + e);
            return;
        }
        kernel32 = Win32Native.kernel32();
        commands = CommandRunner.processes();
        availability = Availability.available();
        LOG.log(System.Logger.Level.INFO, "wintun: loaded dll={0}", dll);
    }

    /** Closes every device still open (unloading the DLL under a live session would crash), then releases the DLL. */
    @Deactivate
    void deactivate() {
        availability = Availability.unavailable("deactivated");
        for (WintunDevice d : new ArrayList<>(openDevices)) {
            d.close();
        }
        WintunApi w = wintun;
        wintun = null;
        if (w != null) {
            w.close();
        }
    }

    private static WintunDll.BundleEntries bundleEntries(BundleContext context) {
        if (context == null) {
            return null;
        }
        return new WintunDll.BundleEntries() {
            @Override
            public URL entry(String path) {
                return context.getBundle().getEntry(path);
            }

            @Override
            public Path dataFile(String path) {
                java.io.File f = context.getDataFile(path);
                return f == null ? null : f.toPath();
            }
        };
    }

    @Override
    public Availability availability() {
        return availability;
    }

    /** Devices opened and not yet closed. */
    int openDeviceCount() {
        return openDevices.size();
    }

    @Override
    public TunDevice open(TunSpec spec) throws TunException {
        Availability a = availability;
        WintunApi w = wintun;
        if (!a.isAvailable() || w == null) {
            throw new TunException(TunException.Reason.DRIVER_VERSION, "Wintun driver unusable here: " + a.cause());
        }
        String wanted = spec.driverOptions().get(OPTION_WINDOWS_DRIVER);
        if (wanted != null && !wanted.trim().equalsIgnoreCase(NAME)) {
            throw new TunException(TunException.Reason.UNSUPPORTED, "the configuration asks for --windows-driver " + wanted
                    + "; this is the " + NAME + " driver");
        }
        if (spec.layer() != TunLayer.TUN) {
            throw new TunException(TunException.Reason.UNSUPPORTED, "Wintun is a layer-3 driver: dev-type "
                    + spec.layer().optionName() + " needs tap-windows6");
        }
        Settings s = settings;
        Kernel32Api k = kernel32;
        boolean named = spec.deviceNode() != null && !spec.deviceNode().isBlank();
        String adapterName = named ? spec.deviceNode().trim() : s.adapterName;
        long adapter = openOrCreate(w, adapterName, named, s);
        WintunApi.Session session = null;
        long timer = 0;
        try {
            checkVersion(w, s);
            session = w.startSession(adapter, s.ringCapacity);
            if (session == null) {
                throw sessionFailure(adapterName, w.lastError());
            }
            timer = k.createWaitableTimer(true);
            // A past due time fires at once: a fresh device is writable.
            if (timer == 0 || !k.setWaitableTimer(timer, 1)) {
                throw new TunException(TunException.Reason.IO_ERROR, Win32Errors.message("CreateWaitableTimer", k.getLastError()));
            }
        } catch (TunException | RuntimeException e) {
            if (timer != 0) {
                k.closeHandle(timer);
            }
            if (session != null) {
                session.end();
            }
            w.closeAdapter(adapter);
            throw e;
        }
        WintunDevice device = new WintunDevice(w, k, adapter, session, adapterName, spec.mtu(), s.batchSize, timer);
        openDevices.add(device);
        try {
            configure(device, spec, s);
        } catch (TunException | RuntimeException e) {
            device.close();
            throw e;
        }
        return device;
    }

    private static long openOrCreate(WintunApi w, String name, boolean named, Settings s) throws TunException {
        long adapter = w.openAdapter(name);
        if (adapter != 0) {
            return adapter;
        }
        int error = w.lastError();
        if (error != Kernel32Api.ERROR_FILE_NOT_FOUND && error != Kernel32Api.ERROR_NOT_FOUND) {
            throw adapterFailure("WintunOpenAdapter", name, error);
        }
        if (named) {
            throw new TunException(TunException.Reason.DEVICE_NOT_FOUND, "--dev-node '" + name + "' names no Wintun adapter");
        }
        adapter = w.createAdapter(name, s.tunnelType, s.adapterGuid);
        if (adapter == 0) {
            throw adapterFailure("WintunCreateAdapter", name, w.lastError());
        }
        return adapter;
    }

    private static TunException adapterFailure(String call, String name, int error) {
        String message = "Wintun adapter '" + name + "': " + Win32Errors.message(call, error);
        if (error == Kernel32Api.ERROR_ACCESS_DENIED) {
            return new TunException(TunException.Reason.PERMISSION_DENIED, message + " (creating an adapter needs Administrator rights)");
        }
        if (error == Kernel32Api.ERROR_ALREADY_EXISTS) {
            return new TunException(TunException.Reason.DEVICE_BUSY, message + " (a non-Wintun adapter has that name)");
        }
        return new TunException(TunException.Reason.IO_ERROR, message);
    }

    private static void checkVersion(WintunApi w, Settings s) throws TunException {
        int version = w.runningDriverVersion();
        if (version == 0) {
            throw new TunException(TunException.Reason.DRIVER_VERSION, "the Wintun driver is not running ("
                    + Win32Errors.describe(w.lastError()) + ")");
        }
        if (Integer.compareUnsigned(version, s.minimumVersion) < 0) {
            throw new TunException(TunException.Reason.DRIVER_VERSION, "Wintun driver " + (version >>> 16) + "." + (version & 0xFFFF)
                    + " is too old: " + (s.minimumVersion >>> 16) + "." + (s.minimumVersion & 0xFFFF) + " or later is needed");
        }
    }

    private static TunException sessionFailure(String name, int error) {
        String message = "Wintun adapter '" + name + "': " + Win32Errors.message("WintunStartSession", error);
        switch (error) {
            case Kernel32Api.ERROR_ALREADY_EXISTS:
            case Kernel32Api.ERROR_ALREADY_INITIALIZED:
            case Kernel32Api.ERROR_BUSY:
            case Kernel32Api.ERROR_SHARING_VIOLATION:
                return new TunException(TunException.Reason.DEVICE_BUSY, message + " (another process has a session on it)");
            case Kernel32Api.ERROR_ACCESS_DENIED:
                return new TunException(TunException.Reason.PERMISSION_DENIED, message);
            case Kernel32Api.ERROR_INVALID_PARAMETER:
                return new TunException(TunException.Reason.CONFIGURATION_FAILED, message + " (ring capacity)");
            default:
                return new TunException(TunException.Reason.IO_ERROR, message);
        }
    }

    private void configure(WintunDevice device, TunSpec spec, Settings s) throws TunException {
        CommandRunner runner = commands;
        InterfaceSetup setup = new InterfaceSetup(runner, s.commandTimeoutMillis);
        DeviceScripts scripts = new DeviceScripts(runner, s.commandTimeoutMillis);
        List<InterfaceSetup.Step> steps = s.netsh ? InterfaceSetup.plan(device.name(), spec) : List.of();
        device.onRelease(null, () -> openDevices.remove(device));
        setup.apply(steps);
        Runnable undo = () -> {
            for (String failure : setup.undo(steps)) {
                LOG.log(System.Logger.Level.WARNING, "wintun: adapter={0} undo failed: {1}", device.name(), failure);
            }
        };
        device.onRelease(undo, () -> {
            openDevices.remove(device);
            String downFailure = scripts.down(spec, device.name());
            if (downFailure != null) {
                LOG.log(System.Logger.Level.WARNING, "wintun: adapter={0} {1}", device.name(), downFailure);
            }
        });
        try {
            scripts.up(spec, device.name());
        } catch (TunException e) {
            // No --down for an --up that failed; netsh is still undone by close().
            device.onRelease(undo, () -> openDevices.remove(device));
            throw e;
        }
    }
}
