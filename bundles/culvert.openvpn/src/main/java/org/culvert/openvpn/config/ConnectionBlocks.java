package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_INLINE_BLOCK;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_OPTION;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;

import java.util.Set;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.RawRemote;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * OpenVPN's connection profiles at parse time: the options of a {@code struct connection_entry}, the
 * {@code <connection>} blocks that set them per profile, and the plain {@code --remote}s that become
 * profiles when there are no blocks ({@code options_postprocess_mutate} in {@code options.c}).
 *
 * <p>As in OpenVPN 2.6, a block starts from the connection options given before it, may hold only the
 * options OpenVPN allows there ({@code OPT_P_CONNECTION}), and must name a {@code remote}; with blocks,
 * plain {@code --remote}s are ignored and connection options given after a block are ignored with
 * OpenVPN's warning.
 */
final class ConnectionBlocks {
    /** The source name OpenVPN gives a block's options in its messages. */
    static final String BLOCK_SOURCE = "[CONNECTION-OPTIONS]";

    /** What OpenVPN 2.6 allows inside a block and Culvert takes there. */
    static final Set<String> IN_BLOCK = Set.of("remote", "proto", "port", "lport", "rport", "local", "bind", "nobind",
            "float", "connect-retry", "connect-timeout", "server-poll-timeout", "connect-retry-max",
            "explicit-exit-notify");
    /**
     * What OpenVPN 2.6 also allows inside a block, per profile, and Culvert does not yet: given outside
     * the blocks they apply to every profile.
     */
    static final Set<String> IN_BLOCK_NOT_YET = Set.of("link-mtu", "udp-mtu", "tun-mtu", "tun-mtu-max",
            "tun-mtu-extra", "max-packet-size", "mtu-dynamic", "fragment", "mtu-disc", "mssfix", "key-direction",
            "tls-auth", "tls-crypt", "tls-crypt-v2", "http-proxy", "http-proxy-option", "http-proxy-retry",
            "http-proxy-timeout", "socks-proxy", "socks-proxy-retry");

    private ConnectionBlocks() {
    }

    /** The connection options of one profile as parsed, with where they were given for messages. */
    record RawConnection(RawRemote remote, Proto proto, boolean protoAmbiguousTcp, Where protoWhere, IpFamily family,
            String local, Where localWhere, int localPort, boolean localPortDefined, Where lportWhere, int remotePort,
            boolean nobind, Where nobindWhere, boolean bindDefined, boolean bindIpv6Only, Where bindWhere,
            boolean floatRemote, int connectRetry, int connectRetryMax, int connectTimeout, int explicitExitNotify,
            Where explicitExitWhere) {
    }

    /** The builder's connection options as they stand, for {@code remote} (null for none). */
    static RawConnection capture(OptionsBuilder b, RawRemote remote) {
        return new RawConnection(remote, b.proto, b.protoAmbiguousTcp, b.protoWhere, b.family, b.local, b.localWhere,
                b.localPort, b.localPortDefined, b.lportWhere, b.remotePort, b.nobind, b.nobindWhere, b.bindDefined,
                b.bindIpv6Only, b.bindWhere, b.floatRemote, b.connectRetry, b.connectRetryMax, b.connectTimeout,
                b.explicitExitNotify, b.explicitExitWhere);
    }

    /** Sets the builder's connection options to {@code c}'s (a block starts from the options before it). */
    private static void load(RawConnection c, OptionsBuilder b) {
        b.proto = c.proto();
        b.protoAmbiguousTcp = c.protoAmbiguousTcp();
        b.protoWhere = c.protoWhere();
        b.family = c.family();
        b.local = c.local();
        b.localWhere = c.localWhere();
        b.localPort = c.localPort();
        b.localPortDefined = c.localPortDefined();
        b.lportWhere = c.lportWhere();
        b.remotePort = c.remotePort();
        b.nobind = c.nobind();
        b.nobindWhere = c.nobindWhere();
        b.bindDefined = c.bindDefined();
        b.bindIpv6Only = c.bindIpv6Only();
        b.bindWhere = c.bindWhere();
        b.floatRemote = c.floatRemote();
        b.connectRetry = c.connectRetry();
        b.connectRetryMax = c.connectRetryMax();
        b.connectTimeout = c.connectTimeout();
        b.explicitExitNotify = c.explicitExitNotify();
        b.explicitExitWhere = c.explicitExitWhere();
    }

    /** The {@code connection} option: an inline block read into a profile of its own. */
    static void addBlock(OptionsBuilder b, Line l) throws ConfigException {
        if (!l.inline()) {
            throw error(BAD_INLINE_BLOCK, l, "give a profile as an inline <connection> ... </connection> block");
        }
        OptionsBuilder sub = new OptionsBuilder(b.includer);
        sub.inConnectionBlock = true;
        load(capture(b, null), sub);
        b.includer.readBlock(sub, l.arg(0), l.where(), l.depth());
        if (sub.remotes.isEmpty()) {
            throw error(MISSING_OPTION, l, "Each 'connection' block must contain exactly one 'remote' directive");
        }
        // As connection_entry_load_re: a second remote in a block replaces the first.
        b.connectionBlocks.add(capture(sub, sub.remotes.get(sub.remotes.size() - 1)));
        if (sub.connectRetryMaxCount != null) {
            // OpenVPN keeps one --connect-retry-max for all profiles, wherever it is given.
            b.connectRetryMaxCount = sub.connectRetryMaxCount;
        }
        b.warnings.addAll(sub.warnings);
    }

    /**
     * OpenVPN's {@code verify_permission} for a connection block: only connection options inside it.
     * Called for every option before its handler, and for inline tags before their content is read.
     */
    static void checkContext(OptionsBuilder b, String name, Where where) throws ConfigException {
        boolean connectionOption = IN_BLOCK.contains(name) || IN_BLOCK_NOT_YET.contains(name);
        if (b.inConnectionBlock) {
            if (IN_BLOCK_NOT_YET.contains(name)) {
                throw new ConfigException(UNSUPPORTED_OPTION, where.source(), where.line(), name,
                        OptionRegistry.NOT_YET + " inside a <connection> block (given outside the blocks, it applies"
                                + " to every profile)");
            }
            if (!connectionOption) {
                throw new ConfigException(CONFLICT, where.source(), where.line(), name, "option '" + name
                        + "' cannot be used in this context (" + BLOCK_SOURCE + ")");
            }
            return;
        }
        // Only what the profiles hold is ignored; --connect-retry-max stays global.
        if (IN_BLOCK.contains(name) && !name.equals("connect-retry-max") && !b.connectionBlocks.isEmpty()) {
            b.warnings.add("Option '" + name + "' in " + where.source() + ":" + where.line()
                    + " is ignored by previous <connection> blocks ");
        }
    }
}
