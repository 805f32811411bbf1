package org.culvert.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenVPN point-to-point configuration, kept as an ordered list of options so it can be written
 * both as a {@code .conf} file and as {@code --option arg} command-line arguments (the two forms
 * OpenVPN and Culvert must both accept).
 */
public final class PeerConfig {
    /** How a peer uses the link. */
    public enum Role {
        UDP, TCP_SERVER, TCP_CLIENT;

        /** The role the other peer must take. */
        public Role opposite() {
            switch (this) {
                case TCP_SERVER:
                    return TCP_CLIENT;
                case TCP_CLIENT:
                    return TCP_SERVER;
                default:
                    return UDP;
            }
        }

        public String proto() {
            switch (this) {
                case TCP_SERVER:
                    return "tcp-server";
                case TCP_CLIENT:
                    return "tcp-client";
                default:
                    return "udp";
            }
        }
    }

    public static final int PORT = 1194;

    /** Prefix of an option entry that is an inline block rather than a {@code name args} line. */
    private static final String INLINE_MARK = "<";

    private final List<List<String>> options = new ArrayList<>();

    public PeerConfig option(String name, String... args) {
        List<String> o = new ArrayList<>();
        o.add(name);
        o.addAll(List.of(args));
        options.add(o);
        return this;
    }

    /**
     * A static-key peer in namespace {@code ns} of {@code net}, talking to the peer in the other
     * namespace on {@link #PORT}.
     *
     * @param direction 0 or 1 ({@code --secret key DIR}); the other side needs the other value
     */
    public static PeerConfig staticKey(Netns net, String ns, Role role, Path key, int direction, String cipher, String auth) {
        PeerConfig c = link(net, ns, role);
        c.option("secret", key.toString(), Integer.toString(direction));
        c.option("cipher", cipher).option("auth", auth);
        c.option("verb", "3");
        return c;
    }

    /**
     * A TLS-mode peer: the link and tunnel addresses as for {@link #staticKey}, then {@code tls-server}
     * with {@code dh none} (OpenVPN requires {@code --dh} on a server; none means ECDHE only) or
     * {@code tls-client}. The caller adds the credentials ({@code cert}, {@code key}, {@code ca} or
     * {@code peer-fingerprint}), the control-channel wrapping and the data ciphers.
     */
    public static PeerConfig tls(Netns net, String ns, Role role, boolean tlsServer) {
        return tlsRole(link(net, ns, role), tlsServer);
    }

    /**
     * A UDP peer with explicit addresses, for cases where a relay sits between the peers (the remote
     * is the relay, not the other namespace): {@code dev tun}, {@code proto udp}, {@code local/lport},
     * {@code remote/rport} and {@code ifconfig}.
     */
    public static PeerConfig udpLink(String local, int lport, String remote, int rport, String ifLocal, String ifRemote) {
        return new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", local).option("lport", Integer.toString(lport))
                .option("remote", remote).option("rport", Integer.toString(rport)).option("ifconfig", ifLocal, ifRemote);
    }

    /** {@code tls-server} with {@code dh none} (OpenVPN requires {@code --dh} on a server; none means ECDHE only) or {@code tls-client}, and {@code verb 3}. */
    public static PeerConfig tlsRole(PeerConfig c, boolean tlsServer) {
        if (tlsServer) {
            c.option("tls-server").option("dh", "none");
        } else {
            c.option("tls-client");
        }
        return c.option("verb", "3");
    }

    /** {@code dev}, {@code proto}, the link's addresses and port for {@code role}, and {@code ifconfig}. */
    private static PeerConfig link(Netns net, String ns, Role role) {
        String self = ns.equals(net.a()) ? net.linkAddrA() : net.linkAddrB();
        String peer = ns.equals(net.a()) ? net.linkAddrB() : net.linkAddrA();
        PeerConfig c = new PeerConfig().option("dev", "tun").option("proto", role.proto());
        switch (role) {
            case UDP:
                c.option("local", self).option("lport", Integer.toString(PORT)).option("remote", peer).option("rport", Integer.toString(PORT));
                break;
            case TCP_SERVER:
                c.option("local", self).option("lport", Integer.toString(PORT));
                break;
            case TCP_CLIENT:
                c.option("remote", peer).option("rport", Integer.toString(PORT)).option("nobind");
                break;
            default:
                throw new IllegalArgumentException(role.name());
        }
        c.option("ifconfig", net.tunAddr(ns), net.tunAddr(net.other(ns)));
        return c;
    }

    /**
     * An inline file, written as {@code <name>} ... {@code </name>} in the {@code .conf} form (OpenVPN's
     * syntax for {@code ca}, {@code cert}, {@code key}, {@code tls-auth}, {@code tls-crypt}). The
     * command-line form cannot carry it: {@link #toArgs()} then throws.
     */
    public PeerConfig inline(String name, String content) {
        List<String> o = new ArrayList<>();
        o.add(INLINE_MARK + name);
        o.add(content.endsWith("\n") ? content : content + "\n");
        options.add(o);
        return this;
    }

    /** The options as {@code .conf} text, one per line; arguments with blanks or quotes are quoted. */
    public String toConfigText() {
        StringBuilder sb = new StringBuilder("# generated by the Culvert e2e harness\n");
        for (List<String> o : options) {
            if (o.get(0).startsWith(INLINE_MARK)) {
                String name = o.get(0).substring(INLINE_MARK.length());
                sb.append('<').append(name).append(">\n").append(o.get(1)).append("</").append(name).append(">\n");
                continue;
            }
            for (int i = 0; i < o.size(); i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                sb.append(i == 0 ? o.get(i) : quoteIfNeeded(o.get(i)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The options as command-line arguments ({@code --name arg ...}). */
    public List<String> toArgs() {
        List<String> args = new ArrayList<>();
        for (List<String> o : options) {
            if (o.get(0).startsWith(INLINE_MARK)) {
                throw new IllegalStateException("inline <" + o.get(0).substring(INLINE_MARK.length()) + "> has no command-line form");
            }
            args.add("--" + o.get(0));
            args.addAll(o.subList(1, o.size()));
        }
        return args;
    }

    static String quoteIfNeeded(String arg) {
        if (!arg.isEmpty() && arg.chars().noneMatch(ch -> ch == ' ' || ch == '\t' || ch == '"' || ch == '\\' || ch == '#' || ch == ';')) {
            return arg;
        }
        return '"' + arg.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The command-line form, with inline blocks shown as {@code <name>...} (for messages only). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (List<String> o : options) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (o.get(0).startsWith(INLINE_MARK)) {
                sb.append(o.get(0)).append(">...");
            } else {
                sb.append("--").append(String.join(" ", o));
            }
        }
        return sb.toString();
    }
}
