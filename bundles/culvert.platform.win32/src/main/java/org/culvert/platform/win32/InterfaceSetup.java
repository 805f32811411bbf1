package org.culvert.platform.win32;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;

/**
 * Configures a Windows network interface from a {@link TunSpec} with {@code netsh} (OpenVPN's
 * {@code --ip-win32 netsh} way): IPv4 address and mask, IPv6 address, MTU and routes, all with
 * {@code store=active} so nothing survives a reboot, and undoes it.
 *
 * <p>The interface is named positionally as its own argument (never inside {@code name="..."}), so a
 * name with spaces survives Java's Windows argument quoting. {@code --ifconfig}'s second address is
 * read as OpenVPN reads it (see {@link #secondAddressIsNetmask}): a netmask for {@code dev-type tap}
 * and {@code topology subnet}, else the remote end of a point-to-point link, which gets the local
 * address as a /32 plus an on-link host route to the remote (the default gateway of routes without
 * one). Needs Administrator rights; netsh's complaint
 * is passed on when it fails. Setup path; any thread.
 */
public final class InterfaceSetup {
    private final CommandRunner runner;
    private final long timeoutMillis;

    public InterfaceSetup(CommandRunner runner, long timeoutMillis) {
        this.runner = runner;
        this.timeoutMillis = timeoutMillis;
    }

    /** One netsh command and the command undoing it (null when there is nothing to undo, e.g. the MTU). */
    public static final class Step {
        private final List<String> apply;
        private final List<String> undo;

        Step(List<String> apply, List<String> undo) {
            this.apply = Collections.unmodifiableList(apply);
            this.undo = undo == null ? null : Collections.unmodifiableList(undo);
        }

        public List<String> apply() {
            return apply;
        }

        /** May be null. */
        public List<String> undo() {
            return undo;
        }

        @Override
        public String toString() {
            return String.join(" ", apply);
        }
    }

    /**
     * The netsh steps for {@code spec} on {@code interfaceName}, in the order to apply them. Nothing
     * is run.
     *
     * @throws TunException {@code CONFIGURATION_FAILED} when an address in the spec is malformed or the
     *                      interface name cannot be passed safely
     */
    public static List<Step> plan(String interfaceName, TunSpec spec) throws TunException {
        if (interfaceName == null || interfaceName.isEmpty() || interfaceName.indexOf('"') >= 0
                || interfaceName.chars().anyMatch(c -> c < 0x20)) {
            throw new TunException(TunException.Reason.CONFIGURATION_FAILED, "unusable interface name '" + interfaceName + "'");
        }
        refuseWhatWindowsDoesNotDoYet(spec);
        List<Step> steps = new ArrayList<>();
        String ipv4Gateway = null;
        try {
            if (spec.ifconfigLocal() != null) {
                int local = Ipv4.parse(spec.ifconfigLocal());
                int second = Ipv4.parse(spec.ifconfigRemoteOrNetmask());
                boolean subnet = secondAddressIsNetmask(spec, second);
                String localText = Ipv4.format(local);
                steps.add(new Step(
                        netsh("ipv4", "set", "address", interfaceName, "source=static", "address=" + localText,
                                "mask=" + Ipv4.format(subnet ? second : -1), "store=active"),
                        netsh("ipv4", "delete", "address", interfaceName, localText)));
                if (!subnet) {
                    ipv4Gateway = Ipv4.format(second);
                    steps.add(routeStep("ipv4", ipv4Gateway + "/32", interfaceName, null, -1));
                }
            }
            if (spec.ifconfigIpv6Local() != null) {
                steps.add(new Step(
                        netsh("ipv6", "add", "address", interfaceName, spec.ifconfigIpv6Local() + "/" + spec.ifconfigIpv6Prefix(),
                                "store=active"),
                        netsh("ipv6", "delete", "address", interfaceName, spec.ifconfigIpv6Local())));
            }
            steps.add(new Step(netsh("ipv4", "set", "subinterface", interfaceName, "mtu=" + spec.mtu(), "store=active"), null));
            if (spec.ifconfigIpv6Local() != null) {
                steps.add(new Step(netsh("ipv6", "set", "subinterface", interfaceName, "mtu=" + spec.mtu(), "store=active"), null));
            }
            for (TunRoute r : spec.routes()) {
                String gateway = r.gateway() != null ? r.gateway() : r.isIpv6() ? spec.ifconfigIpv6Remote() : ipv4Gateway;
                if (!r.isIpv6()) {
                    Ipv4.parse(r.network());
                    if (gateway != null) {
                        Ipv4.parse(gateway);
                    }
                }
                steps.add(routeStep(r.isIpv6() ? "ipv6" : "ipv4", r.network() + "/" + r.prefixLength(), interfaceName, gateway,
                        r.metric()));
            }
        } catch (IllegalArgumentException e) {
            throw new TunException(TunException.Reason.CONFIGURATION_FAILED, e.getMessage(), e);
        }
        return steps;
    }

    /**
     * Gateway redirection, OpenVPN's special route addresses, {@code --route-noexec} and DNS settings
     * need the Windows routing and resolver APIs, which these drivers do not use yet: refused rather
     * than ignored.
     */
    private static void refuseWhatWindowsDoesNotDoYet(TunSpec spec) throws TunException {
        String what = spec.redirect().any() ? "--redirect-gateway/--redirect-private" : spec.routeNoexec() ? "--route-noexec"
                : !spec.dns().isEmpty() ? "DNS settings (--dhcp-option DNS/DOMAIN, --dns)" : null;
        for (TunRoute r : spec.routes()) {
            if (what == null && (TunRoute.NET_GATEWAY.equals(r.network()) || TunRoute.REMOTE_HOST.equals(r.network())
                    || TunRoute.NET_GATEWAY.equals(r.gateway()) || TunRoute.REMOTE_HOST.equals(r.gateway()))) {
                what = "routes through net_gateway or to remote_host";
            }
        }
        if (what != null) {
            throw new TunException(TunException.Reason.UNSUPPORTED, what + ": not supported by Culvert's Windows drivers yet");
        }
    }

    /** {@link TunSpec#driverOptions()} key the core sets from OpenVPN's {@code --topology} ({@code subnet}, {@code net30}, {@code p2p}). */
    public static final String OPTION_TOPOLOGY = "topology";

    /**
     * Whether {@code --ifconfig}'s second address ({@code second}, parsed) is a netmask rather than the
     * remote end: always for {@code dev-type tap}; for tun as {@code topology} says; without a
     * topology, when it looks like a netmask.
     */
    public static boolean secondAddressIsNetmask(TunSpec spec, int second) {
        if (spec.layer() == org.culvert.api.tun.TunLayer.TAP) {
            return true;
        }
        String topology = spec.driverOptions().get(OPTION_TOPOLOGY);
        if (topology != null) {
            return "subnet".equalsIgnoreCase(topology.trim());
        }
        return Ipv4.isNetmask(second);
    }

    /**
     * Runs the steps in order. On the first failure the steps already applied are undone, so nothing
     * stays configured.
     *
     * @throws TunException {@code CONFIGURATION_FAILED} naming the failed command and netsh's output
     */
    public void apply(List<Step> steps) throws TunException {
        for (int i = 0; i < steps.size(); i++) {
            String failure = run(steps.get(i).apply());
            if (failure != null) {
                undo(steps.subList(0, i));
                throw new TunException(TunException.Reason.CONFIGURATION_FAILED, failure);
            }
        }
    }

    /**
     * Undoes the steps in reverse order, continuing past failures.
     *
     * @return the failures, one line each (empty when all worked)
     */
    public List<String> undo(List<Step> steps) {
        List<String> failures = new ArrayList<>();
        for (int i = steps.size() - 1; i >= 0; i--) {
            List<String> undo = steps.get(i).undo();
            if (undo != null) {
                String failure = run(undo);
                if (failure != null) {
                    failures.add(failure);
                }
            }
        }
        return failures;
    }

    private String run(List<String> command) {
        StringBuilder out = new StringBuilder();
        try {
            int exit = runner.run(command, Collections.emptyMap(), timeoutMillis, out);
            return exit == 0 ? null : String.join(" ", command) + " exited " + exit + ": " + out.toString().trim();
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        }
    }

    private static Step routeStep(String family, String prefix, String iface, String gateway, int metric) {
        // netsh's positional order: prefix, interface, nexthop.
        List<String> add = netsh(family, "add", "route", prefix, iface);
        List<String> delete = netsh(family, "delete", "route", prefix, iface);
        if (gateway != null) {
            add.add(gateway);
            delete.add(gateway);
        }
        if (metric >= 0) {
            add.add("metric=" + metric);
        }
        add.add("store=active");
        delete.add("store=active");
        return new Step(add, delete);
    }

    private static List<String> netsh(String family, String verb, String object, String... rest) {
        List<String> c = new ArrayList<>(Arrays.asList("netsh", "interface", family, verb, object));
        c.addAll(Arrays.asList(rest));
        return c;
    }
}
