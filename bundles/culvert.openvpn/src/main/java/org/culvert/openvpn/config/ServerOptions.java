package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;

/** OpenVPN 2.6 manual, "Server Options": one server for many clients. */
final class ServerOptions {
    private ServerOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("server", (b, l) -> {
            throw error(UNSUPPORTED_OPTION, l, "not supported by Culvert yet: server mode (many clients) is not"
                    + " implemented; for a point-to-point tunnel use --tls-server");
        });
        t.notSupported("bcast-buffers",
                "ccd-exclusive", "client-cert-not-required", "client-config-dir", "client-to-client", "connect-freq",
                "connect-freq-initial", "disable", "duplicate-cn", "hash-size", "ifconfig-ipv6-pool",
                "ifconfig-ipv6-push", "ifconfig-pool", "ifconfig-pool-persist", "ifconfig-push",
                "ifconfig-push-constraint", "iroute", "iroute-ipv6", "max-clients", "max-routes-per-client",
                "multihome", "opt-verify", "port-share", "push", "push-remove", "push-reset", "server-ipv6",
                "stale-routes-check", "tcp-queue-limit",
                "vlan-accept", "vlan-pvid", "vlan-tagging");
        // The manual lists these with the script hooks; they run per client, so only a server has them.
        t.notSupported("client-crresponse", "learn-address");
        t.notSupportedBecause("server-bridge", OptionRegistry.TLS_ENGINE_CANNOT_HONOUR);
    }
}
