package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.longValue;
import static org.culvert.openvpn.config.OptionArgs.port;

import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * OpenVPN 2.6 manual, "Client Options": pull mode, the remotes and connection profiles, and the
 * credentials a client gives (the remote's settings a point-to-point peer uses too).
 */
final class ClientOptions {
    private ClientOptions() {
    }

    static void register(OptionRegistry.Table t) {
        // OpenVPN's --client is --pull plus --tls-client.
        t.option("client", 0, 0, (b, l) -> {
            b.pullWhere = l.where();
            b.tlsClientWhere = l.where();
        });
        t.option("pull", 0, 0, (b, l) -> b.pullWhere = l.where());
        t.option("pull-filter", 2, 2, (b, l) -> b.pullFilters.add(new PullFilter(pullFilterAction(l), l.arg(1))));
        t.option("push-peer-info", 0, 0, (b, l) -> b.pushPeerInfo = true);
        t.option("peer-id", 1, 1, (b, l) -> b.peerId = integer(l, 0, 0, 0xFFFFFE));
        t.permit("peer-id", PullPermission.PEER_ID);
        t.option("push-continuation", 1, 1, (b, l) -> b.pushContinuation = integer(l, 0, 0, 2));
        t.permit("push-continuation", PullPermission.PULL_MODE);
        t.option("protocol-flags", 1, 16, ClientOptions::setProtocolFlags);
        t.permit("protocol-flags", PullPermission.NCP);
        t.option("remote", 1, 3, ClientOptions::addRemote);
        t.option("connect-retry", 1, 2, (b, l) -> {
            b.connectRetry = Math.min(integer(l, 0, 0, Integer.MAX_VALUE), 0xFFFF);
            if (l.count() == 2) {
                b.connectRetryMax = Math.max(integer(l, 1, 0, Integer.MAX_VALUE), b.connectRetry);
            }
        });
        OptionRegistry.Handler connectTimeout = (b, l) -> b.connectTimeout = integer(l, 0, 0, Integer.MAX_VALUE);
        t.option("connect-timeout", 1, 1, connectTimeout);
        t.option("server-poll-timeout", 1, 1, connectTimeout);
        t.option("resolv-retry", 1, 1, (b, l) -> {
            b.resolvRetry = "infinite".equals(l.arg(0)) ? OptionsBuilder.RESOLV_RETRY_INFINITE
                    : integer(l, 0, 0, Integer.MAX_VALUE);
        });
        t.option("explicit-exit-notify", 0, 1, (b, l) -> {
            b.explicitExitNotify = l.count() == 1 ? integer(l, 0, 0, Integer.MAX_VALUE) : 1;
            b.explicitExitWhere = l.where();
        });
        t.permit("explicit-exit-notify", PullPermission.EXPLICIT_NOTIFY);
        t.option("inactive", 1, 2, (b, l) -> {
            b.inactive = integer(l, 0, 0, Integer.MAX_VALUE);
            b.inactiveBytes = l.count() == 2 ? longValue(l, 1) : 0;
            if (b.inactiveBytes > Integer.MAX_VALUE) {
                b.warnings.add(String.format(OptionWarnings.INACTIVE_BYTES, b.inactive));
            }
        });
        t.option("connection", ConnectionBlocks::addBlock);
        t.option("remote-random", 0, 0, (b, l) -> b.remoteRandom = true);
        t.option("remote-random-hostname", 0, 0, (b, l) -> b.remoteRandomHostname = true);
        t.option("connect-retry-max", 1, 1, (b, l) -> {
            int passes = integer(l, 0, 0, Integer.MAX_VALUE);
            b.connectRetryMaxCount = passes == 0 ? null : passes;
        });
        t.notSupported("allow-pull-fqdn", "client-nat", "preresolve", "proto-force", "single-session");
        t.option("dns", NameServiceOptions::dns);
        t.permit("dns", PullPermission.DHCPDNS);
        t.permit("inactive", PullPermission.TIMER);
    }

    private static PullFilter.Action pullFilterAction(Line l) throws ConfigException {
        switch (l.arg(0)) {
            case "accept":
                return PullFilter.Action.ACCEPT;
            case "ignore":
                return PullFilter.Action.IGNORE;
            case "reject":
                return PullFilter.Action.REJECT;
            default:
                throw error(BAD_VALUE, l, "unknown action '" + l.arg(0) + "' (accept, ignore or reject)");
        }
    }

    /** OpenVPN 2.6's flags (options.c): cc-exit, tls-ekm, dyn-tls-crypt; another is an error (a skipped item when pushed). */
    private static void setProtocolFlags(OptionsBuilder b, Line l) throws ConfigException {
        for (String flag : l.args()) {
            switch (flag) {
                case "cc-exit":
                    b.ccExit = true;
                    break;
                case "tls-ekm":
                    b.keyDerivationEkm = true;
                    break;
                case "dyn-tls-crypt":
                    b.dynTlsCrypt = true;
                    break;
                default:
                    throw error(BAD_VALUE, l, "Unknown protocol-flags flag: " + flag);
            }
        }
    }

    private static void addRemote(OptionsBuilder b, Line l) throws ConfigException {
        Integer port = l.count() >= 2 ? port(l, 1, false) : null;
        Proto p = null;
        IpFamily fam = IpFamily.ANY;
        if (l.count() == 3) {
            // Parse the per-remote protocol with the same rules as --proto, without disturbing it.
            Proto savedProto = b.proto;
            IpFamily savedFamily = b.family;
            boolean savedAmbiguous = b.protoAmbiguousTcp;
            Where savedWhere = b.protoWhere;
            LinkOptions.setProto(b, l, l.arg(2));
            if (b.protoAmbiguousTcp && b.pullWhere == null) {
                throw error(CONFLICT, l, "protocol 'tcp' is ambiguous in point-to-point mode: use tcp-client or tcp-server");
            }
            p = b.protoAmbiguousTcp ? Proto.TCP_CLIENT : b.proto;
            fam = b.family;
            b.proto = savedProto;
            b.family = savedFamily;
            b.protoAmbiguousTcp = savedAmbiguous;
            b.protoWhere = savedWhere;
        }
        b.remotes.add(new OptionsBuilder.RawRemote(l.arg(0), port, p, fam, l.where()));
    }
}
