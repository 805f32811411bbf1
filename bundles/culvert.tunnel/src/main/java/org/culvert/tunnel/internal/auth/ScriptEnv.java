package org.culvert.tunnel.internal.auth;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.culvert.tunnel.internal.Addresses;

/**
 * One client's script environment, OpenVPN's per-instance {@code env_set} ({@code c2.es}): filled as
 * the client goes through the handshake, authentication and connect, and passed to each of its
 * scripts. The names are OpenVPN 2.6's ({@code ssl_verify.c}, {@code multi.c}, {@code misc.c},
 * {@code socket.c} {@code setenv_sockaddr}). Passwords are never stored here: the user/pass script
 * adds {@code password} to its own copy only. Thread-safe (one client's steps may run on different
 * script threads one after the other).
 */
public final class ScriptEnv {
    private static final DateTimeFormatter TIME_ASCII = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private final Map<String, String> vars = new LinkedHashMap<>();

    /** @param base the server's variables every script gets ({@code script_context}, {@code config}, {@code dev}, setenv...) */
    public ScriptEnv(Map<String, String> base) {
        vars.putAll(base);
    }

    public synchronized ScriptEnv put(String name, String value) {
        if (value == null) {
            vars.remove(name);
        } else {
            vars.put(name, value);
        }
        return this;
    }

    public synchronized String get(String name) {
        return vars.get(name);
    }

    public synchronized ScriptEnv remove(String name) {
        vars.remove(name);
        return this;
    }

    public synchronized ScriptEnv putAll(Map<String, String> more) {
        vars.putAll(more);
        return this;
    }

    /** A copy, for one script run. */
    public synchronized Map<String, String> snapshot() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(vars));
    }

    /** {@code setenv_untrusted}: the client's address before it is authenticated. */
    public ScriptEnv untrusted(InetSocketAddress address) {
        return sockaddr("untrusted", address);
    }

    /** {@code setenv_trusted}: the client's address once authenticated (client-connect, client-disconnect). */
    public ScriptEnv trusted(InetSocketAddress address) {
        return sockaddr("trusted", address);
    }

    /**
     * OpenVPN's {@code setenv_sockaddr} with {@code SA_IP_PORT}: {@code <p>_ip} for IPv4 (also for an
     * IPv4-mapped IPv6 address), {@code <p>_ip6} otherwise, and {@code <p>_port}.
     */
    private synchronized ScriptEnv sockaddr(String prefix, InetSocketAddress address) {
        InetAddress a = address.getAddress();
        vars.remove(prefix + "_ip");
        vars.remove(prefix + "_ip6");
        if (a instanceof Inet6Address v6 && isV4Mapped(v6)) {
            byte[] b = v6.getAddress();
            vars.put(prefix + "_ip", (b[12] & 0xFF) + "." + (b[13] & 0xFF) + "." + (b[14] & 0xFF) + "." + (b[15] & 0xFF));
        } else if (a instanceof Inet4Address) {
            vars.put(prefix + "_ip", a.getHostAddress());
        } else if (a != null) {
            String text = a.getHostAddress();
            int scope = text.indexOf('%');
            vars.put(prefix + "_ip6", Addresses.compress(scope < 0 ? text : text.substring(0, scope)));
        }
        vars.put(prefix + "_port", Integer.toString(address.getPort()));
        return this;
    }

    private static boolean isV4Mapped(Inet6Address a) {
        byte[] b = a.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    }

    /**
     * OpenVPN's {@code output_peer_info_env}: each {@code IV_*}/{@code UV_*} line of the client's
     * peer-info whose name is letters, digits and {@code _}; in values, anything not printable, white
     * space, {@code $}, {@code (} and {@code `} become {@code _}. Other lines are skipped.
     *
     * @return how many lines were skipped (OpenVPN warns "validation failed on peer_info line")
     */
    public synchronized int peerInfo(String peerInfo) {
        int skipped = 0;
        if (peerInfo == null) {
            return 0;
        }
        for (String line : peerInfo.split("\n")) {
            line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || !(line.startsWith("IV_") || line.startsWith("UV_")) || !validName(line, eq)) {
                skipped++;
                continue;
            }
            StringBuilder value = new StringBuilder(line.length() - eq - 1);
            for (int i = eq + 1; i < line.length(); i++) {
                char c = line.charAt(i);
                value.append(c <= 0x20 || c >= 0x7F || c == '$' || c == '(' || c == '`' ? '_' : c);
            }
            vars.put(line.substring(0, eq), value.toString());
        }
        return skipped;
    }

    private static boolean validName(String line, int eq) {
        for (int i = 0; i < eq; i++) {
            char c = line.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code multi_set_virtual_addr_env}: the addresses given to the client (any may be null).
     *
     * @param remoteIp      the client's IPv4 address ({@code ifconfig_pool_remote_ip})
     * @param netmask       topology subnet or tap: the netmask ({@code ifconfig_pool_netmask})
     * @param localIp       net30/p2p: the server end ({@code ifconfig_pool_local_ip})
     * @param remoteIp6     the client's IPv6 address ({@code ifconfig_pool_remote_ip6})
     * @param localIp6      the server's IPv6 address ({@code ifconfig_pool_local_ip6})
     * @param ip6Netbits    the IPv6 prefix length, or -1
     */
    public synchronized ScriptEnv virtualAddresses(String remoteIp, String netmask, String localIp, String remoteIp6,
            String localIp6, int ip6Netbits) {
        for (String n : new String[] {"ifconfig_pool_local_ip", "ifconfig_pool_remote_ip", "ifconfig_pool_netmask",
            "ifconfig_pool_local_ip6", "ifconfig_pool_remote_ip6", "ifconfig_pool_ip6_netbits"}) {
            vars.remove(n);
        }
        putIf("ifconfig_pool_remote_ip", remoteIp);
        putIf("ifconfig_pool_netmask", netmask);
        putIf("ifconfig_pool_local_ip", netmask == null ? localIp : null);
        if (remoteIp6 != null) {
            vars.put("ifconfig_pool_remote_ip6", remoteIp6);
            putIf("ifconfig_pool_local_ip6", localIp6);
            vars.put("ifconfig_pool_ip6_netbits", Integer.toString(ip6Netbits));
        }
        return this;
    }

    private void putIf(String name, String value) {
        if (value != null) {
            vars.put(name, value);
        }
    }

    /** {@code multi_client_connect_setenv}'s {@code time_ascii} (local {@code yyyy-MM-dd HH:mm:ss}, as {@code time_string}) and {@code time_unix}: when the instance was created. */
    public synchronized ScriptEnv created(Instant created, ZoneId zone) {
        vars.put("time_ascii", TIME_ASCII.format(created.atZone(zone)));
        vars.put("time_unix", Long.toString(created.getEpochSecond()));
        return this;
    }
}
