package org.culvert.api.link;

/** Which IP family a link uses: OpenVPN's {@code udp4}/{@code udp6}/{@code tcp4-client}... suffixes. */
public enum AddressFamily {
    /** Whatever the remote resolves to (or a dual-stack socket when listening). */
    ANY, IPV4, IPV6
}
