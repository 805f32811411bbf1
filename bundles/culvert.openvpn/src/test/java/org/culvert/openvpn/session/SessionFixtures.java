package org.culvert.openvpn.session;

import org.culvert.openvpn.config.ConfigException;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;

/** Configurations for two peers sharing one inline key. */
final class SessionFixtures {
    private SessionFixtures() {
    }

    static String keyBlock() {
        StringBuilder sb = new StringBuilder("<secret>\n-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < 256; i++) {
            sb.append(String.format("%02x", (i * 73 + 5) & 0xFF));
            if (i % 16 == 15) {
                sb.append('\n');
            }
        }
        return sb.append("-----END OpenVPN Static key V1-----\n</secret>\n").toString();
    }

    /**
     * @param direction "0", "1" or null
     * @param extra more options, ';'-separated
     */
    static OpenVpnOptions options(String direction, String extra) throws ConfigException {
        String text = "dev tun\ncipher AES-256-CBC\nauth SHA256\n" + (direction == null ? "" : "key-direction " + direction + "\n")
                + keyBlock() + extra.replace(";", "\n") + "\n";
        return ConfigParser.parse(text, "peer" + direction + ".conf", null);
    }
}
