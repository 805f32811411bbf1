package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --http-proxy}, {@code --socks-proxy} and their options, with OpenVPN 2.6's messages. */
class ProxyOptionsTest {
    @TempDir
    Path dir;

    private static final String BASE = "dev tun\nsecret static.key\ncipher AES-256-CBC\nproto tcp-client\nremote vpn.example.net 443\n";

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", ConfigFixtures.keyBlock(ConfigFixtures.keyHex()));
        Path creds = dir.resolve("proxy.auth");
        Files.writeString(creds, "alice\npa ss:word\n");
        Files.setPosixFilePermissions(creds, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("nopass.auth"), "alice\n");
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "p2p.conf", dir);
    }

    private ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    @Test
    void httpProxyWithoutAuth() throws Exception {
        Proxy p = parse(BASE + "http-proxy proxy.corp 3128\n").proxy().orElseThrow();
        assertEquals(Proxy.Type.HTTP, p.type());
        assertEquals("proxy.corp", p.host());
        assertEquals(3128, p.port());
        assertEquals(Proxy.Auth.NONE, p.auth());
        assertTrue(p.credentials().isEmpty());
        assertEquals("1.0", p.httpVersion());
    }

    @Test
    void httpProxyBasicFromAFileAndTheOptions() throws Exception {
        OpenVpnOptions o = parse(BASE + "http-proxy proxy.corp 3128 proxy.auth basic\nhttp-proxy-option VERSION 1.1\n"
                + "http-proxy-option AGENT Mozilla/5.0\nhttp-proxy-option CUSTOM-HEADER X-Corp egress\nhttp-proxy-option EXT1 \"X-Whole: line\"\n");
        Proxy p = o.proxy().orElseThrow();
        assertEquals(Proxy.Auth.BASIC, p.auth());
        assertEquals("alice", p.username().orElseThrow());
        assertArrayEquals("pa ss:word".toCharArray(), p.password());
        assertEquals("1.1", p.httpVersion());
        assertEquals("Mozilla/5.0", p.userAgent().orElseThrow());
        assertEquals(List.of(List.of("X-Corp", "egress"), Arrays.asList("X-Whole: line", null)), p.headers());
        assertFalse(p.toString().contains("pa ss") || o.toString().contains("pa ss"), p.toString());
        p.wipe();
        assertEquals(0, p.password().length == 0 ? 0 : new String(p.password()).replace("\0", "").length());
    }

    @Test
    void theAuthFileDefaultsToBasicAndAnInlineBlockOverridesIt() throws Exception {
        assertEquals(Proxy.Auth.BASIC, parse(BASE + "http-proxy proxy.corp 3128 proxy.auth\n").proxy().orElseThrow().auth());
        Proxy p = parse(BASE + "http-proxy proxy.corp 3128 unused basic\n<http-proxy-user-pass>\nbob\nhunter2\n</http-proxy-user-pass>\n")
                .proxy().orElseThrow();
        assertEquals("bob", p.username().orElseThrow());
        assertArrayEquals("hunter2".toCharArray(), p.password());
        assertTrue(parse(BASE + "http-proxy proxy.corp 3128 proxy.auth none\n").proxy().orElseThrow().credentials().isEmpty());
    }

    @Test
    void autoTakesTheCredentialsOfHttpProxyUserPassOnly() throws Exception {
        Proxy auto = parse(BASE + "http-proxy p 3128 auto\nhttp-proxy-user-pass proxy.auth\n").proxy().orElseThrow();
        assertEquals(Proxy.Auth.AUTO, auto.auth());
        assertEquals("alice", auto.username().orElseThrow());
        Proxy nct = parse(BASE + "http-proxy p 3128 auto-nct\n").proxy().orElseThrow();
        assertEquals(Proxy.Auth.AUTO_NCT, nct.auth());
        assertTrue(nct.credentials().isEmpty(), "without http-proxy-user-pass there is nothing to send (OpenVPN would prompt)");
    }

    @Test
    void socksProxyWithDefaultPortAndCredentials() throws Exception {
        Proxy p = parse(BASE + "socks-proxy socks.corp\n").proxy().orElseThrow();
        assertEquals(Proxy.Type.SOCKS5, p.type());
        assertEquals(1080, p.port());
        Proxy q = parse(BASE + "socks-proxy socks.corp 1081 proxy.auth\n").proxy().orElseThrow();
        assertEquals(1081, q.port());
        assertEquals("alice", q.username().orElseThrow());
    }

    @Test
    void openVpnsUsageErrors() {
        assertMessage(Reason.MISSING_ARGUMENT, "http-proxy port number not defined", fails(BASE + "http-proxy proxy.corp\n"));
        assertMessage(Reason.CONFLICT, "--http-proxy MUST be used in TCP Client mode (i.e. --proto tcp-client)",
                fails("dev tun\nsecret static.key\ncipher AES-256-CBC\nremote vpn 1194\nhttp-proxy p 3128\n"));
        assertMessage(Reason.CONFLICT, "--http-proxy can not be used together with --socks-proxy",
                fails(BASE + "http-proxy p 3128\nsocks-proxy s\n"));
        assertMessage(Reason.CONFLICT, "--http-proxy not specified but other http proxy options present",
                fails(BASE + "http-proxy-option AGENT x\n"));
        assertMessage(Reason.CONFLICT, "--socks-proxy can not be used in TCP Server mode",
                fails("dev tun\nsecret static.key\ncipher AES-256-CBC\nproto tcp-server\nsocks-proxy s\n"));
        assertMessage(Reason.UNSUPPORTED_OPTION, "--socks-proxy with --proto udp (SOCKS5 UDP ASSOCIATE) is not supported by Culvert yet",
                fails("dev tun\nsecret static.key\ncipher AES-256-CBC\nremote vpn 1194\nsocks-proxy s\n"));
        assertMessage(Reason.BAD_VALUE, "Bad http-proxy-option or missing or extra parameter: 'COLOR'",
                fails(BASE + "http-proxy p 3128\nhttp-proxy-option COLOR red\n"));
        assertMessage(Reason.BAD_VALUE, "VERSION must be 1.0 or 1.1", fails(BASE + "http-proxy p 3128\nhttp-proxy-option VERSION 2\n"));
        assertMessage(Reason.BAD_VALUE, "unknown HTTP authentication method: 'kerberos'",
                fails(BASE + "http-proxy p 3128 proxy.auth kerberos\n"));
        assertMessage(Reason.BAD_VALUE, "'0' is not a port number", fails(BASE + "http-proxy p 0\n"));
        assertMessage(Reason.BAD_VALUE, "'x' is not a port number", fails(BASE + "socks-proxy s x\n"));
        assertMessage(Reason.EXTRA_ARGUMENT, "", fails(BASE + "http-proxy p 3128 proxy.auth basic extra\n"));
    }

    @Test
    void methodsCulvertDoesNotSpeakAreRefusedByName() {
        assertMessage(Reason.BAD_VALUE, "unknown HTTP authentication method: 'digest'", fails(BASE + "http-proxy p 3128 proxy.auth digest\n"));
        for (String m : List.of("ntlm", "ntlm2")) {
            assertMessage(Reason.UNSUPPORTED_OPTION, "the '" + m + "' proxy authentication method is not supported by Culvert yet (none and basic are)",
                    fails(BASE + "http-proxy p 3128 proxy.auth " + m + "\n"));
        }
    }

    @Test
    void badCredentialFiles() {
        assertMessage(Reason.BAD_VALUE, "no password on the second line (Culvert does not prompt for proxy credentials)",
                fails(BASE + "http-proxy p 3128 nopass.auth basic\n"));
        assertMessage(Reason.BAD_VALUE, "the first line (the user name) is empty",
                fails(BASE + "http-proxy p 3128 x basic\n<http-proxy-user-pass>\n\nsecret\n</http-proxy-user-pass>\n"));
        ConfigException missing = fails(BASE + "http-proxy p 3128 missing.auth basic\n");
        assertEquals(Reason.FILE_ERROR, missing.reason());
        assertTrue(missing.getMessage().contains("cannot read HTTP proxy credentials 'missing.auth': no such file"), missing.getMessage());
    }

    @Test
    void deprecatedRetryAndTimeoutOptionsWarnAsOpenVpn() throws Exception {
        OpenVpnOptions o = parse(BASE + "http-proxy p 3128\nhttp-proxy-retry\nhttp-proxy-timeout 5\n");
        assertTrue(o.warnings().contains(OptionWarnings.PROXY_RETRY_DEPRECATED), o.warnings().toString());
        assertTrue(o.warnings().contains(OptionWarnings.PROXY_TIMEOUT_DEPRECATED), o.warnings().toString());
        assertTrue(OptionWarnings.PROXY_RETRY_DEPRECATED.startsWith("DEPRECATED OPTION: http-proxy-retry and socks-proxy-retry: In OpenVPN 2.4"));
        assertTrue(parse(BASE + "socks-proxy s\nsocks-proxy-retry\n").warnings().stream().anyMatch(w -> w.contains("connect-retry-max 1")));
    }

    private static void assertMessage(Reason reason, String text, ConfigException e) {
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }
}
