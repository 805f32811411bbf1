package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several remotes, {@code <connection>} blocks and the options that walk them, as OpenVPN 2.6 parses them. */
class ConnectionProfilesConfigTest {
    @TempDir
    Path dir;

    private static final String BASE = "dev tun\nsecret static.key\ncipher AES-256-CBC\n";

    @BeforeEach
    void keyFile() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "p2p.conf", dir);
    }

    private ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    @Test
    void severalRemotesBecomeProfilesInOrderWithTheirOwnPortAndProto() throws Exception {
        OpenVpnOptions o = parse(BASE + "remote a.example 1194\nremote 2001:db8::1 443 tcp6-client\nremote 192.0.2.7\n"
                + "rport 2000\nconnect-retry 3 40\nserver-poll-timeout 7\n");
        List<ConnectionEntry> c = o.connections();
        assertEquals(3, c.size());
        assertEquals(Optional.of("a.example"), c.get(0).remoteHost());
        assertEquals(1194, c.get(0).remotePort());
        assertEquals(Proto.UDP, c.get(0).proto());
        assertEquals(Proto.TCP_CLIENT, c.get(1).proto());
        assertEquals(IpFamily.IPV6, c.get(1).family());
        assertFalse(c.get(1).bind(), "a tcp-client binds nothing unless told");
        // rport after the remotes still applies: OpenVPN makes the profiles after the whole file is read.
        assertEquals(2000, c.get(2).remotePort());
        for (ConnectionEntry e : c) {
            assertEquals(3, e.connectRetry());
            assertEquals(40, e.connectRetryMax());
            assertEquals(7, e.connectTimeout());
        }
        assertEquals(Proto.UDP, o.proto(), "the top-level view is the first profile's");
        assertEquals(3, o.remotes().size());
        OpenVpnOptions second = o.forConnection(c.get(1));
        assertEquals(Proto.TCP_CLIENT, second.proto());
        assertEquals("2001:db8::1", second.remote().orElseThrow().host());
        assertEquals(443, second.remote().orElseThrow().port());
        assertEquals(o.tunMtu(), second.tunMtu());
        assertEquals(1, second.connections().size());
    }

    @Test
    void withoutRemoteThereIsOneProfileThatWaitsForThePeer() throws Exception {
        OpenVpnOptions o = parse(BASE);
        assertEquals(1, o.connections().size());
        assertTrue(o.connections().get(0).remoteHost().isEmpty());
        assertEquals(0, o.connectRetryMaxCount());
        assertFalse(o.remoteRandom());
    }

    @Test
    void blocksStartFromTheOptionsBeforeThemAndKeepTheirOwn() throws Exception {
        OpenVpnOptions o = parse(BASE + "connect-retry 2\nport 1195\n"
                + "<connection>\nremote 192.0.2.1 1194 udp\nserver-poll-timeout 4\nexplicit-exit-notify 2\n</connection>\n"
                + "<connection>\nremote 192.0.2.2\nproto tcp-client\nconnect-retry 5 10\nnobind\n</connection>\n"
                + "remote-random\nremote-random-hostname\nconnect-retry-max 3\nresolv-retry 30\n");
        List<ConnectionEntry> c = o.connections();
        assertEquals(2, c.size());
        assertEquals(Optional.of("192.0.2.1"), c.get(0).remoteHost());
        assertEquals(4, c.get(0).connectTimeout());
        assertEquals(2, c.get(0).connectRetry(), "inherited from before the block");
        assertEquals(2, c.get(0).explicitExitNotify());
        assertEquals(120, c.get(1).connectTimeout(), "the first block's value stays in the first block");
        assertEquals(Proto.TCP_CLIENT, c.get(1).proto());
        assertEquals(1195, c.get(1).remotePort(), "--port before the blocks");
        assertEquals(5, c.get(1).connectRetry());
        assertEquals(10, c.get(1).connectRetryMax());
        assertFalse(c.get(1).bind());
        assertEquals(0, c.get(1).explicitExitNotify());
        assertTrue(o.remoteRandom());
        assertTrue(o.remoteRandomHostname());
        assertEquals(3, o.connectRetryMaxCount());
        assertEquals(30, o.resolvRetry());
    }

    @Test
    void withBlocksPlainRemotesAndLaterConnectionOptionsAreIgnoredWithOpenVpnsWarning() throws Exception {
        OpenVpnOptions o = parse(BASE + "<connection>\nremote 192.0.2.1\n</connection>\nremote 192.0.2.9\nconnect-retry 9\n");
        assertEquals(1, o.connections().size());
        assertEquals(Optional.of("192.0.2.1"), o.connections().get(0).remoteHost());
        assertEquals(1, o.connections().get(0).connectRetry());
        assertTrue(o.warnings().contains("Option 'remote' in p2p.conf:7 is ignored by previous <connection> blocks "),
                o.warnings().toString());
        assertTrue(o.warnings().contains("Option 'connect-retry' in p2p.conf:8 is ignored by previous <connection> blocks "));
    }

    @Test
    void connectRetryMaxInsideABlockIsGlobalAndZeroMeansUnlimited() throws Exception {
        assertEquals(4, parse(BASE + "<connection>\nremote 192.0.2.1\nconnect-retry-max 4\n</connection>\n")
                .connectRetryMaxCount());
        assertEquals(0, parse(BASE + "remote 192.0.2.1\nconnect-retry-max 0\n").connectRetryMaxCount());
    }

    @Test
    void aBlockNeedsARemote() {
        ConfigException e = fails(BASE + "<connection>\nproto udp\n</connection>\n");
        assertEquals(Reason.MISSING_OPTION, e.reason());
        assertTrue(e.getMessage().contains("Each 'connection' block must contain exactly one 'remote' directive"),
                e.getMessage());
    }

    @Test
    void optionsOutsideTheConnectionContextAreRefusedInsideABlockWithOpenVpnsMessage() {
        ConfigException e = fails(BASE + "<connection>\nremote 192.0.2.1\nverb 4\n</connection>\n");
        assertEquals(Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("option 'verb' cannot be used in this context ([CONNECTION-OPTIONS])"),
                e.getMessage());
        assertEquals(6, e.line(), "the line in the file, not in the block");
        ConfigException r = fails(BASE + "<connection>\nremote 192.0.2.1\nresolv-retry 5\n</connection>\n");
        assertTrue(r.getMessage().contains("option 'resolv-retry' cannot be used in this context"));
        ConfigException rr = fails(BASE + "<connection>\nremote 192.0.2.1\nremote-random\n</connection>\n");
        assertTrue(rr.getMessage().contains("option 'remote-random' cannot be used in this context"));
    }

    @Test
    void nestedBlocksAreRefused() {
        ConfigException e = fails(BASE + "<connection>\nremote 192.0.2.1\n<connection>\nremote 192.0.2.2\n</connection>\n"
                + "</connection>\n");
        assertTrue(e.getMessage().contains("option 'connection' cannot be used in this context ([CONNECTION-OPTIONS])"),
                e.getMessage());
    }

    @Test
    void perProfileOptionsCulvertCannotYetHonourAreRefusedByName() {
        ConfigException e = fails(BASE + "<connection>\nremote 192.0.2.1\ntun-mtu 1400\n</connection>\n");
        assertEquals(Reason.UNSUPPORTED_OPTION, e.reason());
        assertTrue(e.getMessage().contains("inside a <connection> block"), e.getMessage());
        assertEquals("tun-mtu", e.option());
    }

    @Test
    void badValuesAreRefused() {
        assertEquals(Reason.BAD_VALUE, fails(BASE + "remote 192.0.2.1 1194 sctp\n").reason());
        assertEquals(Reason.BAD_VALUE, fails(BASE + "remote 192.0.2.1 70000\n").reason());
        assertEquals(Reason.BAD_VALUE, fails(BASE + "connect-retry-max -1\n").reason());
        assertEquals(Reason.BAD_VALUE, fails(BASE + "connect-retry-max many\n").reason());
        assertEquals(Reason.EXTRA_ARGUMENT, fails(BASE + "remote-random yes\n").reason());
        assertEquals(Reason.BAD_VALUE, fails(BASE + "resolv-retry forever\n").reason());
        assertEquals(Reason.CONFLICT, fails(BASE + "remote 192.0.2.1 1194 tcp\n").reason());
        assertEquals(Reason.BAD_INLINE_BLOCK, fails(BASE + "connection remote\n").reason());
        assertEquals(Reason.BAD_INLINE_BLOCK, fails(BASE + "<connection>\nremote 192.0.2.1\n").reason());
    }

    @Test
    void ambiguousTcpInsideABlockIsRefusedAndTcpClientNeedsARemotePerProfile() {
        ConfigException e = fails(BASE + "<connection>\nremote 192.0.2.1\nproto tcp\n</connection>\n");
        assertEquals(Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("ambiguous"));
        assertThrows(ConfigException.class, () -> parse(BASE + "proto tcp\nremote 192.0.2.1\n"));
    }

    @Test
    void aBlocksOwnProtoReplacesAnAmbiguousOneBeforeIt() throws Exception {
        OpenVpnOptions o = parse(BASE + "proto tcp\n<connection>\nremote 192.0.2.1\nproto tcp-client\n</connection>\n");
        assertEquals(Proto.TCP_CLIENT, o.connections().get(0).proto());
    }

    @Test
    void aBlocksRemoteMustDifferFromTheIfconfigAddressesToo() {
        ConfigException e = fails(BASE + "ifconfig 10.8.0.1 10.8.0.2\n<connection>\nremote 10.8.0.2\n</connection>\n");
        assertEquals(Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("must differ from the --ifconfig addresses"), e.getMessage());
    }
}
