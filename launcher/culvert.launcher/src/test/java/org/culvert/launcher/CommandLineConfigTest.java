package org.culvert.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineConfigTest {
    static final String KEY = "-----BEGIN OpenVPN Static key V1-----\n" + ("0123456789abcdef0123456789abcdef\n").repeat(16)
            + "-----END OpenVPN Static key V1-----\n";

    @TempDir
    Path dir;

    @Test
    void optionsBecomeConfigLinesThatParseToTheSameOptions() throws Exception {
        Files.writeString(dir.resolve("static.key"), KEY);
        List<String> args = List.of("--dev", "tun", "--proto", "udp", "--secret", "static.key", "1", "--cipher", "AES-256-CBC",
                "--ifconfig", "10.8.0.2", "10.8.0.1", "--remote", "peer.example", "--float");
        String text = CommandLineConfig.toConfigText(args, dir);
        assertTrue(text.startsWith("dev \"tun\"\nproto \"udp\"\n"), text);
        OpenVpnOptions fromText = ConfigParser.parse(text, "t", dir);
        OpenVpnOptions fromArgs = ConfigParser.parseArgs(args, dir);
        assertEquals(fromArgs.ifconfig(), fromText.ifconfig());
        assertEquals(fromArgs.remote(), fromText.remote());
        assertEquals(fromArgs.keyDirection(), fromText.keyDirection());
        assertEquals(fromArgs.floatRemote(), fromText.floatRemote());
    }

    @Test
    void quotingSurvivesSpacesQuotesAndBackslashes() throws Exception {
        assertEquals("\"a b\\\\c\\\"d\"", CommandLineConfig.quote("a b\\c\"d"));
    }

    @Test
    void anUnknownOptionIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLineConfig.toConfigText(List.of("--dev", "tun", "--frobnicate"), dir));
        assertTrue(e.getMessage().contains("frobnicate"), e.getMessage());
    }

    @Test
    void aBareWordFirstIsNotAnOption() {
        assertThrows(IllegalArgumentException.class, () -> CommandLineConfig.toConfigText(List.of("tun"), dir));
    }

    @Test
    void aPluginFlagWithoutAValueIsAnOptionsError() {
        assertEquals(1, Main.run(new String[] { "--culvert-driver" }));
    }
}
