package org.culvert.openvpn.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One of OpenVPN's connection profiles ({@code struct connection_entry}): a {@code <connection>} block,
 * or a plain {@code --remote} with the link options given outside the blocks. The tunnel tries them in
 * order (after {@code --remote-random} shuffled them once), as OpenVPN's {@code next_connection_entry}
 * does.
 *
 * @param remoteHost the server's host name or address literal, unresolved; empty for a peer without
 *     {@code --remote} (it waits for the other side)
 * @param remotePort the remote's port ({@code remote host PORT}, else {@code --rport}/{@code --port})
 * @param proto the link protocol (the remote's own, else {@code --proto})
 * @param family the address family a "4"/"6" protocol name forces; ANY otherwise
 * @param local {@code --local}, unresolved
 * @param localPort {@code --lport}/{@code --port}
 * @param bind whether to bind the local address/port (false under {@code --nobind}, and for a TCP client
 *     unless told otherwise)
 * @param bindIpv6Only {@code --bind ipv6only}
 * @param floatRemote {@code --float}
 * @param connectRetry {@code --connect-retry} first argument, seconds
 * @param connectRetryMax {@code --connect-retry} second argument: the longest pause, seconds
 * @param connectTimeout {@code --connect-timeout}/{@code --server-poll-timeout}, seconds
 * @param explicitExitNotify {@code --explicit-exit-notify} (0 over TCP)
 */
public record ConnectionEntry(Optional<String> remoteHost, int remotePort, Proto proto, IpFamily family,
        Optional<String> local, int localPort, boolean bind, boolean bindIpv6Only, boolean floatRemote,
        int connectRetry, int connectRetryMax, int connectTimeout, int explicitExitNotify) {
    public ConnectionEntry {
        Objects.requireNonNull(remoteHost, "remoteHost");
        Objects.requireNonNull(proto, "proto");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(local, "local");
    }

    /** "host:port (udp)", for logs; never more than the configuration says. */
    public String describe() {
        return remoteHost.orElse("[undef]") + ":" + remotePort + " (" + proto.optionName() + ")";
    }
}
