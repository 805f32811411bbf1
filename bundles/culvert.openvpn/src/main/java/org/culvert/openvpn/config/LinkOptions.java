package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.port;
import static org.culvert.openvpn.config.OptionsBuilder.TUN_MTU_MAX;
import static org.culvert.openvpn.config.OptionsBuilder.TUN_MTU_MIN;

import java.util.Locale;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.crypto.ReplayWindow;

/** OpenVPN 2.6 manual, "Link Options" and "Proxy Options": the transport to the peer. */
final class LinkOptions {
    private LinkOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("proto", 1, 1, (b, l) -> setProto(b, l, l.arg(0)));
        t.option("local", 1, 1, (b, l) -> {
            b.local = l.arg(0);
            b.localWhere = l.where();
        });
        t.option("port", 1, 1, (b, l) -> {
            b.localPort = port(l, 0, true);
            b.remotePort = b.localPort;
        });
        t.option("lport", 1, 1, (b, l) -> {
            b.localPort = port(l, 0, true);
            b.localPortDefined = true;
            b.lportWhere = l.where();
        });
        t.option("rport", 1, 1, (b, l) -> b.remotePort = port(l, 0, false));
        t.option("nobind", 0, 0, (b, l) -> {
            b.nobind = true;
            b.nobindWhere = l.where();
        });
        t.option("bind", 0, 1, (b, l) -> {
            if (l.count() == 1 && !"ipv6only".equals(l.arg(0))) {
                throw error(BAD_VALUE, l, "the only argument --bind takes is 'ipv6only', not '" + l.arg(0) + "'");
            }
            b.bindDefined = true;
            b.bindIpv6Only = l.count() == 1;
            b.bindWhere = l.where();
        });
        t.option("float", 0, 0, (b, l) -> b.floatRemote = true);
        t.option("mode", 1, 1, (b, l) -> {
            if (l.arg(0).equals("server")) {
                b.server.modeServerWhere = l.where();
                return;
            }
            if (!l.arg(0).equals("p2p")) {
                throw error(BAD_VALUE, l, "must be p2p or server, not '" + l.arg(0) + "'");
            }
        });
        OptionRegistry.Handler linkMtu = (b, l) -> {
            b.linkMtu = integer(l, 0, TUN_MTU_MIN, TUN_MTU_MAX);
            b.linkMtuWhere = l.where();
            b.warnings.add("--" + l.name() + " is a legacy option: the tun MTU is derived from it; prefer --tun-mtu");
        };
        t.option("link-mtu", 1, 1, linkMtu);
        t.option("udp-mtu", 1, 1, linkMtu);
        t.option("mssfix", 0, 2, LinkOptions::setMssfix);
        t.option("sndbuf", 1, 1, (b, l) -> b.sndbuf = integer(l, 0, 0, Integer.MAX_VALUE));
        t.option("rcvbuf", 1, 1, (b, l) -> b.rcvbuf = integer(l, 0, 0, Integer.MAX_VALUE));
        t.option("ping", 1, 1, (b, l) -> {
            b.ping = integer(l, 0, 0, Integer.MAX_VALUE);
            b.pingWhere = l.where();
        });
        OptionRegistry.Handler pingReceive = (b, l) -> {
            b.pingRecTimeout = integer(l, 0, 0, Integer.MAX_VALUE);
            b.pingExitAction = l.name().equals("ping-exit");
            b.pingRecWhere = l.where();
        };
        t.option("ping-restart", 1, 1, pingReceive);
        t.option("ping-exit", 1, 1, pingReceive);
        t.permit("sndbuf", PullPermission.SOCKBUF);
        t.permit("rcvbuf", PullPermission.SOCKBUF);
        t.permit("ping", PullPermission.TIMER);
        t.permit("ping-restart", PullPermission.TIMER);
        t.permit("ping-exit", PullPermission.TIMER);
        t.option("keepalive", 2, 2, (b, l) -> {
            b.keepalivePing = integer(l, 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            b.keepaliveTimeout = integer(l, 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
            b.keepaliveWhere = l.where();
        });
        t.option("replay-window", 1, 2, (b, l) -> {
            b.replayWindow = integer(l, 0, 0, ReplayWindow.Settings.MAX_SEQ_BACKTRACK);
            if (l.count() == 2) {
                b.replayTime = integer(l, 1, 0, ReplayWindow.Settings.MAX_TIME_BACKTRACK);
            }
        });
        t.notSupported("fragment", "mark", "max-packet-size", "mtu-disc", "mtu-dynamic", "mtu-test", "passtos",
                "persist-local-ip", "persist-remote-ip", "ping-timer-rem", "replay-persist", "session-timeout",
                "shaper", "socket-flags", "tcp-nodelay");
        ProxyOptions.register(t);
        t.notSupported("http-proxy-override");
        t.permit("session-timeout", PullPermission.TIMER);
        t.permit("shaper", PullPermission.SHAPER);
        t.permit("socket-flags", PullPermission.SOCKFLAGS);
    }

    /** --proto, and the protocol of a --remote, with OpenVPN's spellings; "tcp" alone is resolved later. */
    static void setProto(OptionsBuilder b, Line l, String value) throws ConfigException {
        String v = value.toLowerCase(Locale.ROOT);
        IpFamily fam = IpFamily.ANY;
        if (v.matches("(udp|tcp|tcp-client|tcp-server)")) {
            fam = IpFamily.ANY;
        } else if (v.matches("(udp|tcp)4(-client|-server)?")) {
            fam = IpFamily.IPV4;
            v = v.replace("4", "");
        } else if (v.matches("(udp|tcp)6(-client|-server)?")) {
            fam = IpFamily.IPV6;
            v = v.replace("6", "");
        } else {
            throw error(BAD_VALUE, l, "bad protocol '" + value + "' (allowed: udp, udp4, udp6, tcp-client,"
                    + " tcp4-client, tcp6-client, tcp-server, tcp4-server, tcp6-server)");
        }
        b.protoAmbiguousTcp = v.equals("tcp");
        b.proto = v.equals("udp") ? Proto.UDP : v.equals("tcp-client") ? Proto.TCP_CLIENT : Proto.TCP_SERVER;
        b.family = fam;
        b.protoWhere = l.where();
    }

    private static void setMssfix(OptionsBuilder b, Line l) throws ConfigException {
        if (l.count() >= 1) {
            b.mssfix = integer(l, 0, 0, TUN_MTU_MAX);
            b.mssfixEncap = false;
            b.mssfixDefault = false;
            b.mssfixFixed = false;
        } else {
            b.mssfixDefault = true;
            b.mssfixEncap = true;
            b.mssfixFixed = false;
        }
        if (l.count() == 2) {
            if (l.arg(1).equals("mtu")) {
                b.mssfixEncap = true;
            } else if (l.arg(1).equals("fixed")) {
                b.mssfixFixed = true;
            } else {
                throw error(BAD_VALUE, l, "unknown flag '" + l.arg(1) + "' (allowed: mtu, fixed)");
            }
        }
    }
}
