package org.culvert.tunnel.internal;

import java.util.List;

/**
 * Where the server loop gets a client's addresses and iroutes at connect time and gives them back at
 * close: OpenVPN's {@code multi_select_virtual_addr} with the pool ({@code ifconfig_pool_acquire},
 * {@code ifconfig_pool_release}) and the ccd's {@code ifconfig-push}/{@code iroute}. The pool itself is
 * {@code IfconfigPool} in culvert.openvpn; the plan builder plugs it in here. Called on data threads:
 * implementations are thread-safe.
 */
interface ClientAddressing {
    /**
     * What a client connecting with {@code commonName} gets.
     *
     * @return the lease, or null when none is left (the client is refused)
     */
    Lease acquire(String commonName);

    /** The client closed: its pool entry is released (soft: the common name keeps it, as OpenVPN does). */
    void release(Lease lease);

    /** The server starts (a pool persist file is read). */
    default void start() {
    }

    /** The server stopped (a pool persist file is written a last time). Idempotent. */
    default void close() {
    }

    /**
     * A client's addresses.
     *
     * @param ipv4 {@code a.b.c.d}, or null
     * @param ipv6 an IPv6 address, or null
     * @param iroutes {@code net/bits} prefixes behind the client ({@code iroute}, {@code iroute-ipv6})
     * @param handle the pool's own token for {@link #release}
     */
    record Lease(String ipv4, String ipv6, List<String> iroutes, Object handle) {
        public Lease {
            iroutes = List.copyOf(iroutes);
        }
    }

    /** No addresses at all (a tap server learning MACs, or tests). */
    ClientAddressing NONE = new ClientAddressing() {
        @Override
        public Lease acquire(String commonName) {
            return new Lease(null, null, List.of(), null);
        }

        @Override
        public void release(Lease lease) {
        }
    };
}
