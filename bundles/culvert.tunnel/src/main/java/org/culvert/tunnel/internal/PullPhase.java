package org.culvert.tunnel.internal;

import java.util.Objects;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.openvpn.tls.TlsFailure;

/** The tunnel's rules for pull mode that are not the loop's: when a device may stay, and the reasons of a failed pull. */
final class PullPhase {
    private PullPhase() {
    }

    /**
     * Whether a device kept under --persist-tun serves the new push as it is: same addresses, routes
     * and MTU (OpenVPN's do_up reopens the device when the pushed ifconfig changed).
     */
    static boolean sameDevice(TunSpec before, TunSpec now) {
        return before != null && now != null && before.mtu() == now.mtu()
                && Objects.equals(before.ifconfigLocal(), now.ifconfigLocal())
                && Objects.equals(before.ifconfigRemoteOrNetmask(), now.ifconfigRemoteOrNetmask())
                && Objects.equals(before.ifconfigIpv6Local(), now.ifconfigIpv6Local())
                && before.ifconfigIpv6Prefix() == now.ifconfigIpv6Prefix()
                && Objects.equals(before.routes(), now.routes())
                && Objects.equals(before.driverOptions().get("topology"), now.driverOptions().get("topology"));
    }

    /** The tunnel's reason for an engine failure; causes outside pull mode stay HANDSHAKE_FAILED. */
    static TunnelReason reason(TlsFailure.Reason why) {
        if (why == null) {
            return TunnelReason.HANDSHAKE_FAILED;
        }
        switch (why) {
            case NO_PUSH_REPLY:
                return TunnelReason.NO_PUSH_REPLY;
            case PUSH_FAILED:
                return TunnelReason.PUSH_FAILED;
            case SERVER_RESTART:
                return TunnelReason.SERVER_RESTART;
            case SERVER_HALT:
                return TunnelReason.SERVER_HALT;
            case AUTH_FAILED:
                // Without --auth-user-pass (a refusal by a client-connect script, say); with it the
                // credentials' auth-retry policy decides before this.
                return TunnelReason.AUTH_FAILED;
            default:
                return TunnelReason.HANDSHAKE_FAILED;
        }
    }
}
