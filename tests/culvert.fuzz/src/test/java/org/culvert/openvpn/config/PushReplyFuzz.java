package org.culvert.openvpn.config;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.culvert.fuzz.FuzzRun;
import org.junit.jupiter.api.AfterAll;

/**
 * PUSH_REPLY messages as a server (or anyone on its control channel) may send them to a pull client:
 * one to three parts, each either built from plausible items (known option names with fuzzed
 * arguments, quotes, continuation markers, filters' prefixes) or raw text, read through
 * {@link PushReply} against a client configuration with pull filters.
 *
 * <p>Invariants: nothing but the documented {@link IllegalStateException} (offering after the end)
 * escapes; a complete push has at most {@link PushReply#MAX_ITEMS} accepted items, a tun-mtu within
 * {@link PushReply#TUN_MTU_MAX}, a cipher from {@code --data-ciphers}, routes with gateways, only stub
 * compression framings (the configuration allows no other); a failed or rejected push says why.
 */
class PushReplyFuzz {
    private static final FuzzRun RUN = new FuzzRun("PUSH_REPLY parsing (PushReply)");
    private static final String[] NAMES = {"ifconfig", "ifconfig-ipv6", "route", "route-ipv6", "route-gateway",
        "topology", "tun-mtu", "ping", "ping-restart", "ping-exit", "inactive", "explicit-exit-notify", "cipher",
        "peer-id", "key-derivation", "protocol-flags", "comp-lzo", "compress", "echo", "setenv-safe", "persist-tun",
        "push-continuation", "redirect-gateway", "dhcp-option", "dns", "auth-token", "secret", "config", "keepalive",
        "block-outside-dns", "verb", "sndbuf", "socket-flags", "shaper", "data-ciphers"};
    private static final String[] WORDS = {"10.8.0.2", "255.255.255.0", "10.8.0.1", "2001:db8::2/64", "2001:db8::1",
        "subnet", "net30", "p2p", "1500", "99999", "-1", "AES-256-GCM", "CHACHA20-POLY1305", "BF-CBC", "tls-ekm",
        "cc-exit", "dyn-tls-crypt", "no", "yes", "stub", "stub-v2", "lz4", "lz4-v2", "lzo", "1", "2", "vpn_gateway",
        "net_gateway", "\"quoted word\"", "'single'", "\\", "#comment", "", "x".repeat(300)};
    private static OpenVpnOptions base;

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void pushReply(FuzzedDataProvider in) throws Exception {
        RUN.run(in, PushReplyFuzz::run);
    }

    private static synchronized OpenVpnOptions base() {
        if (base == null) {
            try {
                Path dir = Files.createTempDirectory("push-fuzz");
                ConfigFixtures.writeTlsFiles(dir);
                base = ConfigParser.parse("client\ndev tun\nremote 192.0.2.1\ncert client.crt\nkey client.key\nca ca.crt\n"
                        + "pull-filter ignore \"route 192.168.\"\npull-filter accept route\npull-filter reject \"redirect\"\n",
                        "fuzz.conf", dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ConfigException e) {
                throw new IllegalStateException(e);
            }
        }
        return base;
    }

    private static void run(FuzzedDataProvider in) {
        OpenVpnOptions o = base();
        PushReply reply = new PushReply(o);
        int parts = in.consumeInt(1, 3);
        PushReply.Status s = null;
        for (int p = 0; p < parts; p++) {
            String message = in.consumeBoolean() ? build(in) : in.consumeString(in.consumeInt(0, 1500));
            s = reply.offer(message);
            check(reply.takeLog() != null, "log");
            if (s != PushReply.Status.MORE && s != PushReply.Status.NOT_A_REPLY) {
                break;
            }
        }
        if (s == PushReply.Status.FAILED || s == PushReply.Status.REJECTED) {
            check(reply.failure() != null && !reply.failure().isEmpty(), "a failed push says why");
            return;
        }
        if (s != PushReply.Status.COMPLETE) {
            return;
        }
        PushedOptions r = reply.result();
        check(r.accepted().size() <= PushReply.MAX_ITEMS, "accepted " + r.accepted().size());
        check(r.tunMtu().orElse(0) <= PushReply.TUN_MTU_MAX, "tun-mtu " + r.tunMtu());
        r.cipher().ifPresent(c -> check(o.dataCiphers().stream().anyMatch(c::equalsIgnoreCase), "cipher " + c));
        for (Route route : r.routes()) {
            check(route.gateway() != null, "route without gateway");
        }
        r.compression().ifPresent(c -> check(!c.decompresses(), "compression " + c + " was not allowed"));
        check(r.summary() != null, "summary");
    }

    private static String build(FuzzedDataProvider in) {
        StringBuilder sb = new StringBuilder(in.consumeBoolean() ? "PUSH_REPLY" : in.pickValue(new String[] {
            "PUSH_REPLY", "PUSH_UPDATE", "PUSH_REPLYX", ""}));
        int items = in.consumeInt(0, 24);
        for (int i = 0; i < items; i++) {
            sb.append(',').append(in.pickValue(NAMES));
            int args = in.consumeInt(0, 5);
            for (int a = 0; a < args; a++) {
                sb.append(' ').append(in.consumeBoolean() ? in.pickValue(WORDS) : in.consumeString(20));
            }
        }
        return sb.toString();
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
