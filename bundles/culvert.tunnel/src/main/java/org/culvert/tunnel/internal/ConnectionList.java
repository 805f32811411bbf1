package org.culvert.tunnel.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.openvpn.config.ConnectionEntry;
import org.culvert.openvpn.config.IpFamily;
import org.culvert.openvpn.config.OpenVpnOptions;

/**
 * OpenVPN 2.6's walk over the connection profiles ({@code init_connection_list} and
 * {@code next_connection_entry} in {@code init.c}, {@code resolve_remote} in {@code socket.c}), one
 * {@link #next} per run of the tunnel:
 *
 * <ul>
 * <li>{@code --remote-random} shuffles the profiles once, when the list is made;</li>
 * <li>each run moves to the next address of the current host name if it has one left, else to the next
 * profile (after the last, the first again), whose host name is then resolved afresh;</li>
 * <li>the run after the tunnel came up ("Initialization Sequence Completed") stays on the profile and
 * address in use ({@code no_advance}), so a restart that is not about the server being unreachable
 * (ping-restart, a server's exit notification) reconnects to the same server first;</li>
 * <li>each move to a profile counts as an unsuccessful attempt until the tunnel comes up; more than
 * {@code profiles * --connect-retry-max} of them end the tunnel;</li>
 * <li>a name that does not resolve is looked up once ({@code --resolv-retry infinite}, the default) or
 * every 5 s for {@code --resolv-retry} seconds, then left to the transport (whose failure restarts the
 * tunnel, which then moves on); with {@code --resolv-retry 0} it ends the tunnel.</li>
 * </ul>
 *
 * <p>Tunnel thread only; resolution and its pauses happen in {@link #next}.
 */
final class ConnectionList {
    /** OpenVPN's {@code fail_wait_interval} between name lookups. */
    static final long RESOLVE_RETRY_MILLIS = 5_000;

    /** Resolves a host name; may block on DNS. */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;

        Resolver SYSTEM = InetAddress::getAllByName;
    }

    /** Waits between name lookups; false when the wait was cut short by a stop or restart. */
    interface Sleeper {
        boolean sleep(long millis);
    }

    /** Where the next run goes: a profile and, if it names a remote, the address to use. */
    record Attempt(int index, ConnectionEntry entry, InetSocketAddress remote) {
        /** OpenVPN's {@code print_sockaddr}: {@code [AF_INET]192.0.2.1:1194}; {@code [undef]} without a remote. */
        String describe() {
            return remote == null ? "[undef]" : printSockaddr(remote);
        }
    }

    /** Why no attempt can be made: the tunnel ends ({@code --connect-retry-max}, {@code --resolv-retry 0}). */
    static final class NoAttempt extends Exception {
        private static final long serialVersionUID = 1L;
        final TunnelReason reason;
        final boolean fatal;

        NoAttempt(TunnelReason reason, boolean fatal, String message) {
            super(message);
            this.reason = reason;
            this.fatal = fatal;
        }
    }

    private final List<ConnectionEntry> entries;
    private final int resolvRetry;
    private final int connectRetryMaxCount;
    private final boolean randomHostname;
    private final Resolver resolver;
    private final Sleeper sleeper;
    private final Random random;
    private final Consumer<String> log;
    private final Runnable resolving;

    private int current = -1;
    private InetAddress[] addresses;
    private int addressIndex;
    private boolean noAdvance;
    private int unsuccessfulAttempts;

    ConnectionList(OpenVpnOptions o, Resolver resolver, Sleeper sleeper, Random random, Consumer<String> log) {
        this(o, resolver, sleeper, random, log, () -> { });
    }

    /** @param resolving told before a host name (not an address literal) is looked up: OpenVPN's client state RESOLVE */
    ConnectionList(OpenVpnOptions o, Resolver resolver, Sleeper sleeper, Random random, Consumer<String> log,
            Runnable resolving) {
        List<ConnectionEntry> list = new ArrayList<>(o.connections());
        if (o.remoteRandom()) {
            // init_connection_list: each position swapped with a random one, once.
            for (int i = 0; i < list.size(); i++) {
                Collections.swap(list, i, random.nextInt(list.size()));
            }
        }
        this.entries = List.copyOf(list);
        this.resolvRetry = o.resolvRetry();
        this.connectRetryMaxCount = o.connectRetryMaxCount();
        this.randomHostname = o.remoteRandomHostname();
        this.resolver = resolver;
        this.sleeper = sleeper;
        this.random = random;
        this.log = log;
        this.resolving = resolving;
    }

    /** The profiles in the order they are tried. */
    List<ConnectionEntry> entries() {
        return entries;
    }

    int size() {
        return entries.size();
    }

    /** Moves to the profiles since the tunnel was last up, as OpenVPN counts them for its backoff. */
    int unsuccessfulAttempts() {
        return unsuccessfulAttempts;
    }

    /** The tunnel came up: the count starts over, and the next run stays where this one was. */
    void initializationCompleted() {
        unsuccessfulAttempts = 0;
        noAdvance = true;
    }

    /**
     * Chooses the profile and address of the next run, resolving the host name when the profile
     * changed, as {@code next_connection_entry} followed by {@code resolve_remote}.
     *
     * @return the attempt, and true in {@code counted[0]} when it moved to a profile (an attempt
     *     OpenVPN counts for {@code --connect-retry-max} and the restart backoff)
     */
    Attempt next(boolean[] counted) throws NoAttempt {
        counted[0] = false;
        if (noAdvance && current >= 0) {
            noAdvance = false;
        } else if (addresses != null && addressIndex + 1 < addresses.length) {
            noAdvance = false;
            addressIndex++;
        } else {
            noAdvance = false;
            addresses = null;
            current = (current + 1) % entries.size();
            unsuccessfulAttempts++;
            counted[0] = true;
            if (connectRetryMaxCount > 0 && unsuccessfulAttempts > entries.size() * connectRetryMaxCount) {
                throw new NoAttempt(TunnelReason.CONNECT_RETRY_MAX, true, "All connections have been connect-retry-max ("
                        + connectRetryMaxCount + ") times unsuccessful, exiting");
            }
        }
        ConnectionEntry entry = entries.get(current);
        if (entry.remoteHost().isEmpty()) {
            return new Attempt(current, entry, null);
        }
        if (addresses == null) {
            InetAddress[] found = resolve(entry);
            if (found == null) {
                // Left to the transport, which may know names the system does not (or fails with its own
                // RESOLVE_FAILED); the next run moves on, as OpenVPN's restart after a failed lookup.
                return new Attempt(current, entry, InetSocketAddress.createUnresolved(entry.remoteHost().get(),
                        entry.remotePort()));
            }
            addresses = found;
            addressIndex = 0;
        }
        return new Attempt(current, entry, new InetSocketAddress(addresses[addressIndex], entry.remotePort()));
    }

    /** The addresses of the profile's host in its family, after {@code --resolv-retry}'s tries; null if none. */
    private InetAddress[] resolve(ConnectionEntry entry) throws NoAttempt {
        String host = entry.remoteHost().orElseThrow();
        if (randomHostname) {
            if (isLiteral(host)) {
                log.accept("WARNING: ignoring --remote-random-hostname because the hostname is an IP address");
            } else {
                host = randomLabel() + "." + host;
            }
        }
        // openvpn_getaddrinfo: one try with the default (infinite), (seconds + 4) / 5 tries 5 s apart otherwise.
        int tries = resolvRetry == OpenVpnOptions.RESOLV_RETRY_INFINITE || resolvRetry == 0 ? 1
                : Math.max(1, (resolvRetry + 4) / 5);
        String why = "";
        if (!isLiteral(host)) {
            // openvpn_getaddrinfo sets RESOLVE only for a name, once before its tries.
            resolving.run();
        }
        for (int i = 0; i < tries; i++) {
            if (i > 0 && !sleeper.sleep(RESOLVE_RETRY_MILLIS)) {
                break;
            }
            try {
                InetAddress[] found = inFamily(resolver.resolve(host), entry.family());
                if (found.length > 0) {
                    return found;
                }
                why = "no " + (entry.family() == IpFamily.IPV4 ? "IPv4" : "IPv6") + " address";
            } catch (UnknownHostException | SecurityException e) {
                why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
            log.accept("RESOLVE: Cannot resolve host address: " + host + ":" + entry.remotePort() + " (" + why + ")");
        }
        if (resolvRetry == 0) {
            throw new NoAttempt(TunnelReason.LINK_ERROR, true, "RESOLVE: Cannot resolve host address: " + host + ":"
                    + entry.remotePort() + " (" + why + ") (I would have retried this name query if you had specified"
                    + " the --resolv-retry option.)");
        }
        return null;
    }

    private static InetAddress[] inFamily(InetAddress[] all, IpFamily family) {
        if (family == IpFamily.ANY) {
            return all;
        }
        return java.util.Arrays.stream(all)
                .filter(a -> family == IpFamily.IPV4 ? a instanceof Inet4Address : a instanceof Inet6Address)
                .toArray(InetAddress[]::new);
    }

    /** OpenVPN's {@code hostname_randomize}: six random bytes in hex. */
    private String randomLabel() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** An IPv4 or IPv6 address literal, which needs no lookup. */
    static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    /** OpenVPN's {@code print_sockaddr}: {@code [AF_INET]192.0.2.1:1194}, {@code [AF_INET6]2001:db8::1:1194}. */
    static String printSockaddr(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            return "[AF_UNSPEC]" + a.getHostString() + ":" + a.getPort();
        }
        String text = ip.getHostAddress();
        if (ip instanceof Inet6Address) {
            int scope = text.indexOf('%');
            text = Addresses.compress(scope >= 0 ? text.substring(0, scope) : text);
            return "[AF_INET6]" + text + ":" + a.getPort();
        }
        return "[AF_INET]" + text + ":" + a.getPort();
    }
}
