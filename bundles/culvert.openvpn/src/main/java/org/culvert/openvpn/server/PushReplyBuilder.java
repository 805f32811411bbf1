package org.culvert.openvpn.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.culvert.openvpn.config.AddressMath;
import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.IfConfig;
import org.culvert.openvpn.config.IfConfigIpv6;
import org.culvert.openvpn.config.LineTokenizer;
import org.culvert.openvpn.config.ServerSettings;

/**
 * One client's PUSH_REPLY, as OpenVPN 2.6's {@code send_push_reply} and {@code prepare_push_reply}
 * ({@code push.c}) write it. The items come in OpenVPN's order: the server's push list
 * ({@link ServerSettings#push()}: the configuration's {@code push} texts, then the helper lines), edited
 * by the client's ccd file ({@code push}, {@code push-reset}, {@code push-remove}), then per-client
 * pushes from scripts or management, with the routes to the client's own iroutes removed
 * ({@code remove_iroutes_from_push_route_list}); then the generated {@code ifconfig-ipv6},
 * {@code ifconfig}, {@code peer-id}, {@code auth-token}, {@code cipher},
 * {@code key-derivation tls-ekm} or {@code protocol-flags}, {@code tun-mtu}.
 *
 * <p>{@link #build()} splits them into messages of at most {@link #PUSH_BUNDLE_SIZE} bytes as OpenVPN
 * does: an item that would reach the soft cap (1024 − 84) closes the message with
 * {@code push-continuation 2}; the last message of a split reply ends with {@code push-continuation 1}.
 * Not thread-safe: one builder per reply. Allocates (control channel only). The auth-token is a
 * secret: {@link #toString()} never shows it.
 */
public final class PushReplyBuilder {
    /** OpenVPN's {@code PUSH_BUNDLE_SIZE}: the buffer each PUSH_REPLY message is built in. */
    public static final int PUSH_BUNDLE_SIZE = 1024;
    /** OpenVPN's {@code safe_cap}: room is left for a trailing {@code push-continuation}. */
    static final int SAFE_CAP = PUSH_BUNDLE_SIZE - 84;
    static final String PUSH_REPLY = "PUSH_REPLY";

    /** An item could not be pushed: OpenVPN's "PUSH OPTION FAILED" or "--push option is too long". */
    public static final class PushException extends Exception {
        private static final long serialVersionUID = 1L;

        /** Why. */
        public enum Reason {
            /** A comma would split the item on the client. */
            ILLEGAL_COMMA,
            /** The item does not fit one message. */
            TOO_LONG
        }

        private final Reason reason;

        PushException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    private final List<String> list;
    private final List<ClientConfigOptions.IRoute> iroutes = new ArrayList<>();
    private final List<ClientConfigOptions.IRouteIpv6> iroutes6 = new ArrayList<>();
    private boolean ifconfigBlocked;
    private boolean ifconfigIpv6Blocked;
    private IfConfig ifconfig;
    private IfConfigIpv6 ifconfigIpv6;
    private Integer peerId;
    private String authToken;
    private String cipher;
    private boolean ccExit;
    private boolean tlsEkm;
    private boolean dynTlsCrypt;
    private Integer tunMtu;

    /** @param serverPush the server's push list, {@link ServerSettings#push()} */
    public PushReplyBuilder(List<String> serverPush) {
        this.list = new ArrayList<>(serverPush);
    }

    /** Applies the client's ccd file: its push edits, its iroutes and ifconfig blocks. */
    public PushReplyBuilder clientConfig(ClientConfigOptions ccd) {
        List<String> edited = ccd.applyPush(list);
        list.clear();
        list.addAll(edited);
        iroutes.addAll(ccd.iroutes());
        iroutes6.addAll(ccd.iroutesIpv6());
        ifconfigBlocked |= ccd.ifconfigBlocked();
        ifconfigIpv6Blocked = ccd.ifconfigIpv6Blocked();
        return this;
    }

    /** A per-client item (a client-connect script's or management's {@code push}), appended. */
    public PushReplyBuilder push(String item) {
        list.add(Objects.requireNonNull(item, "item"));
        return this;
    }

    /** The client's addresses ({@link VirtualAddress#select}). */
    public PushReplyBuilder addresses(VirtualAddress a) {
        this.ifconfig = a.ifconfig().orElse(null);
        this.ifconfigIpv6 = a.ifconfigIpv6().orElse(null);
        return this;
    }

    /** {@code peer-id n}: the client uses P_DATA_V2 with it. */
    public PushReplyBuilder peerId(int id) {
        this.peerId = id;
        return this;
    }

    /** {@code auth-token}, from {@code --auth-gen-token}. */
    public PushReplyBuilder authToken(String token) {
        this.authToken = token;
        return this;
    }

    /** {@code cipher}: the negotiated data cipher (only for clients that take NCP: IV_NCP=2 or IV_CIPHERS). */
    public PushReplyBuilder cipher(String name) {
        this.cipher = name;
        return this;
    }

    /**
     * The protocol flags the client announced and the server takes (IV_PROTO): with cc-exit, tls-ekm
     * goes into {@code protocol-flags}; without, as {@code key-derivation tls-ekm}.
     */
    public PushReplyBuilder protocolFlags(boolean ccExit, boolean tlsEkm, boolean dynTlsCrypt) {
        this.ccExit = ccExit;
        this.tlsEkm = tlsEkm;
        this.dynTlsCrypt = dynTlsCrypt;
        return this;
    }

    /** {@code tun-mtu}, pushed only to clients that sent IV_MTU. */
    public PushReplyBuilder tunMtu(int mtu) {
        this.tunMtu = mtu;
        return this;
    }

    /** Every item in order, before splitting (the auth-token included: do not log this list). */
    public List<String> items() {
        List<String> out = new ArrayList<>();
        for (String item : list) {
            if (!matchesIroute(item)) {
                out.add(item);
            }
        }
        if (ifconfigIpv6 != null && !ifconfigIpv6Blocked) {
            out.add("ifconfig-ipv6 " + AddressMath.ipText(ifconfigIpv6.local()) + "/" + ifconfigIpv6.prefixLength() + " "
                    + AddressMath.ipText(ifconfigIpv6.remote()));
        }
        if (ifconfig != null && !ifconfigBlocked) {
            out.add("ifconfig " + ifconfig.local().getHostAddress() + " " + ifconfig.remoteOrNetmask().getHostAddress());
        }
        if (peerId != null) {
            out.add("peer-id " + peerId);
        }
        if (authToken != null) {
            out.add("auth-token " + authToken);
        }
        if (cipher != null) {
            out.add("cipher " + cipher);
        }
        StringBuilder flags = new StringBuilder();
        if (ccExit) {
            flags.append(" cc-exit");
            if (tlsEkm) {
                flags.append(" tls-ekm");
            }
        } else if (tlsEkm) {
            out.add("key-derivation tls-ekm");
        }
        if (dynTlsCrypt) {
            flags.append(" dyn-tls-crypt");
        }
        if (flags.length() > 0) {
            out.add("protocol-flags" + flags);
        }
        if (tunMtu != null) {
            out.add("tun-mtu " + tunMtu);
        }
        return out;
    }

    /**
     * The PUSH_REPLY messages, in order (without the trailing NUL the control channel adds); one
     * {@code "PUSH_REPLY"} when there is nothing to push, as the client waits for an answer.
     */
    public List<String> build() throws PushException {
        return split(items());
    }

    /** {@code send_push_reply}'s splitting of items into messages. */
    static List<String> split(List<String> items) throws PushException {
        List<String> out = new ArrayList<>();
        StringBuilder buf = new StringBuilder(PUSH_BUNDLE_SIZE).append(PUSH_REPLY);
        boolean multi = false;
        for (String item : items) {
            if (item.indexOf(',') >= 0) {
                throw new PushException(PushException.Reason.ILLEGAL_COMMA, "PUSH OPTION FAILED (illegal comma (',') in"
                        + " string): '" + name(item) + "...'");
            }
            int l = utf8Length(item);
            if (utf8Length(buf) + l >= SAFE_CAP) {
                buf.append(",push-continuation 2");
                out.add(buf.toString());
                multi = true;
                buf.setLength(0);
                buf.append(PUSH_REPLY);
            }
            if (utf8Length(buf) + l >= SAFE_CAP) {
                throw new PushException(PushException.Reason.TOO_LONG, "--push option is too long: '" + name(item) + "...'");
            }
            buf.append(',').append(item);
        }
        if (multi) {
            buf.append(",push-continuation 1");
        }
        if (buf.length() > PUSH_REPLY.length() || out.isEmpty()) {
            out.add(buf.toString());
        }
        return out;
    }

    /** {@code remove_iroutes_from_push_route_list}: a pushed route equal to one of the client's iroutes. */
    private boolean matchesIroute(String item) {
        if (iroutes.isEmpty() && iroutes6.isEmpty()) {
            return false;
        }
        List<String> p;
        try {
            p = LineTokenizer.tokenize(item);
        } catch (LineTokenizer.SyntaxError e) {
            return false;
        }
        if (p.size() >= 2 && p.size() <= 3 && p.get(0).equals("route")) {
            Inet4Address net = AddressMath.parseIpv4(p.get(1));
            Inet4Address mask = AddressMath.parseIpv4(p.size() == 3 ? p.get(2) : "255.255.255.255");
            if (net == null || mask == null) {
                return false;
            }
            for (ClientConfigOptions.IRoute ir : iroutes) {
                if (AddressMath.u32(net) == AddressMath.u32(ir.network())
                        && AddressMath.u32(mask) == AddressMath.netmask(ir.prefixLength())) {
                    return true;
                }
            }
        } else if (p.size() == 2 && p.get(0).equals("route-ipv6")) {
            String[] parts = p.get(1).split("/", 2);
            Inet6Address net = AddressMath.parseIpv6(parts[0]);
            int bits = parts.length == 2 && parts[1].matches("[0-9]{1,3}") ? Integer.parseInt(parts[1]) : 128;
            if (net == null) {
                return false;
            }
            for (ClientConfigOptions.IRouteIpv6 ir : iroutes6) {
                if (net.equals(ir.network()) && bits == ir.prefixLength()) {
                    return true;
                }
            }
        }
        return false;
    }



    /** The item's first word, for messages: the rest may be a token. */
    private static String name(String item) {
        String first = item.strip().split("\\s", 2)[0];
        return first.length() > 64 ? first.substring(0, 64) : first;
    }

    private static int utf8Length(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    @Override
    public String toString() {
        return "PushReplyBuilder[" + list.size() + " listed items, peerId=" + peerId + ", authToken="
                + (authToken == null ? "none" : "[REDACTED]") + "]";
    }
}
