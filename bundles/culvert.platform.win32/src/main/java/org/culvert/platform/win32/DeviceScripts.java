package org.culvert.platform.win32;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunSpec;

/**
 * Runs OpenVPN's {@code --up} and {@code --down} commands on Windows: the command line is split into
 * words (double quotes group words, as on a Windows command line), then OpenVPN's arguments are
 * appended ({@code dev tun_mtu link_mtu ifconfig_local ifconfig_remote init}) and it is started
 * directly, without a shell; Windows itself runs {@code .bat}/{@code .cmd} files through
 * {@code cmd.exe}. The environment carries the spec's script variables plus the device ones
 * ({@code dev}, {@code dev_type}, {@code tun_mtu}, {@code ifconfig_*}, {@code script_type}).
 * Setup path; any thread.
 */
public final class DeviceScripts {
    private final CommandRunner runner;
    private final long timeoutMillis;

    public DeviceScripts(CommandRunner runner, long timeoutMillis) {
        this.runner = runner;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Runs {@code spec.upCommand()} (nothing when it is null).
     *
     * @throws TunException {@code SCRIPT_FAILED} when it cannot start, times out or exits non-zero
     */
    public void up(TunSpec spec, String device) throws TunException {
        String failure = run(spec.upCommand(), "up", spec, device);
        if (failure != null) {
            throw new TunException(TunException.Reason.SCRIPT_FAILED, failure);
        }
    }

    /** Runs {@code spec.downCommand()} (nothing when null). @return null, or the failure in one line */
    public String down(TunSpec spec, String device) {
        return run(spec.downCommand(), "down", spec, device);
    }

    private String run(String command, String scriptType, TunSpec spec, String device) {
        if (command == null || command.isBlank()) {
            return null;
        }
        List<String> argv = split(command);
        String remote = spec.ifconfigRemoteOrNetmask() == null ? "" : spec.ifconfigRemoteOrNetmask();
        argv.add(device);
        argv.add(Integer.toString(spec.mtu()));
        argv.add(spec.scriptEnvironment().getOrDefault("link_mtu", Integer.toString(spec.mtu())));
        argv.add(spec.ifconfigLocal() == null ? "" : spec.ifconfigLocal());
        argv.add(remote);
        argv.add("init");
        StringBuilder out = new StringBuilder();
        try {
            int exit = runner.run(argv, environment(spec, device, scriptType), timeoutMillis, out);
            if (exit != 0) {
                return "--" + scriptType + " script exited " + exit + (out.length() > 0 ? ": " + out.toString().trim() : "");
            }
            return null;
        } catch (IOException e) {
            return "--" + scriptType + " script could not run: " + e.getMessage();
        }
    }

    /** The script's environment: the spec's variables, then the device's (which win). */
    public static Map<String, String> environment(TunSpec spec, String device, String scriptType) {
        Map<String, String> env = new LinkedHashMap<>(spec.scriptEnvironment());
        env.put("script_type", scriptType);
        env.put("dev", device);
        env.put("dev_type", spec.layer().optionName());
        env.put("tun_mtu", Integer.toString(spec.mtu()));
        if (spec.ifconfigLocal() != null) {
            env.put("ifconfig_local", spec.ifconfigLocal());
            String second = spec.ifconfigRemoteOrNetmask();
            if (second != null) {
                boolean netmask;
                try {
                    netmask = InterfaceSetup.secondAddressIsNetmask(spec, Ipv4.parse(second));
                } catch (IllegalArgumentException e) {
                    netmask = false;
                }
                env.put(netmask ? "ifconfig_netmask" : "ifconfig_remote", second);
            }
        }
        if (spec.ifconfigIpv6Local() != null) {
            env.put("ifconfig_ipv6_local", spec.ifconfigIpv6Local());
            env.put("ifconfig_ipv6_netbits", Integer.toString(spec.ifconfigIpv6Prefix()));
            if (spec.ifconfigIpv6Remote() != null) {
                env.put("ifconfig_ipv6_remote", spec.ifconfigIpv6Remote());
            }
        }
        return env;
    }

    /** Splits a command line into words; double quotes group words and are removed. */
    public static List<String> split(String commandLine) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < commandLine.length(); i++) {
            char c = commandLine.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (!quoted && Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
