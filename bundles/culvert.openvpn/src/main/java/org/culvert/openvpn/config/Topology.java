package org.culvert.openvpn.config;

/** {@code --topology}; OpenVPN 2.6's default is net30. */
public enum Topology {
    NET30,
    P2P,
    SUBNET
}
