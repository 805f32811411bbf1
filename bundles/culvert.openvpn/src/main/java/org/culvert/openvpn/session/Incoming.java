package org.culvert.openvpn.session;

/** What a protocol engine (static-key or TLS) made of one packet from the link, decapsulated in place. */
public enum Incoming {
    /** {@code packet[position, limit)} is an IP packet (or Ethernet frame) for the tun. */
    TUN_PACKET,
    /** Authentic and handled by the engine (control packet, ping, OCC, empty payload); nothing for the tun. */
    CONSUMED,
    /** The peer announced that it is exiting (OCC_EXIT, or the TLS {@code EXIT} message): OpenVPN restarts. */
    PEER_EXIT,
    /** Rejected; the engine's {@code lastVerdict()} says why. Timers were not touched. */
    DROP
}
