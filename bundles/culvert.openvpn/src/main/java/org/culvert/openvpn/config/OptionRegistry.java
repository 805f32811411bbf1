package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;

import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * Every option name OpenVPN 2.6 knows, each registered by exactly one themed table: either with the
 * handler that parses it into an {@link OptionsBuilder}, or as not supported by Culvert (refused by
 * name, with the reason). The parser dispatches through {@link #STANDARD}; a name no table registers
 * is not an OpenVPN option at all.
 *
 * <p>The themes follow OpenVPN 2.6's manual sections, so that an option is found in the table named
 * after the section its manual page has it in; a new option goes into its section's table, and an
 * option Culvert starts to support moves from that table's refusals to its handlers.
 */
final class OptionRegistry {
    /** Parses one occurrence of an option into the builder's state, or refuses it with a specific error. */
    @FunctionalInterface
    interface Handler {
        void apply(OptionsBuilder b, Line l) throws ConfigException;
    }

    /** OpenVPN 2.6's manual sections, folded into eight tables. */
    enum Theme {
        /** Link options, proxies: the transport to the peer. */
        LINK,
        /** The virtual network adapter (and the Windows adapter options). */
        DEVICE,
        /** Routes and gateway redirection. */
        ROUTING,
        /** Protocol options: data-channel ciphers, static keys, compression; key generation. */
        CRYPTO,
        /** TLS mode, renegotiation, PKCS#11. */
        TLS,
        /** Client options: pull, remotes and connection profiles, credentials. */
        CLIENT,
        /** Server options: many clients. */
        SERVER,
        /** Generic, log, script, plugin and management options. */
        OPERATIONS
    }

    /** The detail that refuses a known option Culvert does not implement. */
    static final String NOT_YET = "not supported by Culvert yet";
    /** Appended to {@link #NOT_YET} for TLS-mode features the engine cannot honour. */
    static final String TLS_ENGINE_CANNOT_HONOUR = " (Culvert's TLS point-to-point mode cannot honour it)";

    /** Options that can be written as a {@code <name>...</name>} block in OpenVPN 2.6. */
    static final Set<String> INLINE = Set.of(
            "secret", "ca", "cert", "key", "dh", "tls-auth", "tls-crypt", "tls-crypt-v2", "peer-fingerprint",
            "extra-certs", "pkcs12", "crl-verify", "http-proxy-user-pass", "auth-user-pass", "connection",
            "auth-gen-token-secret");

    /** The registry of Culvert's tables; immutable once built. */
    static final OptionRegistry STANDARD = standard();

    /** A handler, or null for an option refused with {@code refusal}. */
    private record Entry(Theme theme, Handler handler, String refusal) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** The {@code OPT_P_*} classes of options a server may push; an option absent here is never pushable. */
    private final Map<String, Set<PullPermission>> permissions = new HashMap<>();

    /** The registrations of one theme; handed to that theme's table class. */
    final class Table {
        private final Theme theme;

        private Table(Theme theme) {
            this.theme = theme;
        }

        /** An option Culvert implements. */
        void option(String name, Handler handler) {
            put(name, new Entry(theme, handler, null));
        }

        /**
         * An option Culvert implements that takes {@code min..max} arguments: the count is checked
         * first, with the messages every option shares, then {@code handler} parses them.
         */
        void option(String name, int min, int max, Handler handler) {
            option(name, (b, l) -> {
                OptionArgs.arity(l, min, max);
                handler.apply(b, l);
            });
        }

        /** Options OpenVPN knows and Culvert refuses, for now, without more to say. */
        void notSupported(String... names) {
            for (String name : names) {
                put(name, new Entry(theme, null, NOT_YET));
            }
        }

        /**
         * The permission classes of an option this table registers ({@code VERIFY_PERMISSION} in
         * OpenVPN's {@code add_option}): a server may push it when one of them is in the pull mask.
         * Declared once per option, after its registration; options without classes are never pushable.
         */
        void permit(String name, PullPermission first, PullPermission... more) {
            Entry e = entries.get(name);
            if (e == null || e.theme() != theme) {
                throw new IllegalStateException("--" + name + " is given permission classes by " + theme
                        + ", which does not register it");
            }
            if (permissions.putIfAbsent(name, Collections.unmodifiableSet(EnumSet.of(first, more))) != null) {
                throw new IllegalStateException("--" + name + " is given permission classes twice");
            }
        }

        /** An option refused with a reason or a hint at what to use instead, appended to {@link #NOT_YET}. */
        void notSupportedBecause(String name, String why) {
            put(name, new Entry(theme, null, NOT_YET + why));
        }
    }

    private static OptionRegistry standard() {
        OptionRegistry r = new OptionRegistry();
        r.register(Theme.LINK, LinkOptions::register);
        r.register(Theme.DEVICE, DeviceOptions::register);
        r.register(Theme.ROUTING, RoutingOptions::register);
        r.register(Theme.CRYPTO, CryptoOptions::register);
        r.register(Theme.TLS, TlsModeOptions::register);
        r.register(Theme.CLIENT, ClientOptions::register);
        r.register(Theme.CLIENT, CredentialOptions::register);
        r.register(Theme.SERVER, ServerOptions::register);
        r.register(Theme.SERVER, ServerAuthOptions::register);
        r.register(Theme.OPERATIONS, OperationsOptions::register);
        r.register(Theme.OPERATIONS, CredentialOptions::registerGeneric);
        for (String name : INLINE) {
            if (!r.entries.containsKey(name)) {
                throw new IllegalStateException("inline option --" + name + " is in no table");
            }
        }
        return r;
    }

    /** Lets {@code table} register its options under {@code theme}. */
    void register(Theme theme, Consumer<Table> table) {
        table.accept(new Table(theme));
    }

    private void put(String name, Entry entry) {
        Entry before = entries.putIfAbsent(name, entry);
        if (before != null) {
            // A name in two tables would make the manual's section ambiguous and one handler dead.
            throw new IllegalStateException("--" + name + " is registered twice, by " + before.theme() + " and by "
                    + entry.theme());
        }
    }

    /** The handler of an option Culvert implements; null for a refused or unknown name. */
    Handler handler(String name) {
        Entry e = entries.get(name);
        return e == null ? null : e.handler();
    }

    /** The {@code OPT_P_*} classes of {@code name}; empty for an option no server may push. */
    Set<PullPermission> permission(String name) {
        return permissions.getOrDefault(name, Set.of());
    }

    /** The table that registers {@code name}, handled or refused. */
    Optional<Theme> theme(String name) {
        return Optional.ofNullable(entries.get(name)).map(Entry::theme);
    }

    /** True for any option OpenVPN 2.6 knows, implemented or not. */
    boolean isKnown(String name) {
        // As before the tables: any management-* name is taken for one of OpenVPN's management options.
        return entries.containsKey(name) || name.startsWith("management");
    }

    /** The names registered with a handler. */
    Set<String> handledNames() {
        Map<String, Entry> copy = new LinkedHashMap<>(entries);
        copy.values().removeIf(e -> e.handler() == null);
        return Collections.unmodifiableSet(copy.keySet());
    }

    /** The names registered as not supported. */
    Set<String> refusedNames() {
        Map<String, Entry> copy = new LinkedHashMap<>(entries);
        copy.values().removeIf(e -> e.handler() != null);
        return Collections.unmodifiableSet(copy.keySet());
    }

    /** The error for an option no handler takes: refused by name if OpenVPN knows it, else unknown. */
    ConfigException refusal(Line l) {
        Entry e = entries.get(l.name());
        if (e != null && e.refusal() != null) {
            return error(UNSUPPORTED_OPTION, l, e.refusal());
        }
        if (isKnown(l.name())) {
            return error(UNSUPPORTED_OPTION, l, NOT_YET);
        }
        return new ConfigException(ConfigException.Reason.UNKNOWN_OPTION, l.where().source(), l.where().line(),
                l.name(), "");
    }
}
