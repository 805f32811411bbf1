package org.culvert.openvpn.crypto;

import org.culvert.openvpn.Hex;

/** Known-answer data from the facts sheet (openvpn-wire.md §13), captured from stock OpenVPN 2.6.14. */
final class Vectors {
    private Vectors() {
    }

    /** §13.3(a): the 256 key bytes, in file order. */
    static final String KEY_HEX = "942ea5b5ac47161d9018e81ab835979826b22efeae737d48f3bdbc901d709e0a9804cb9c15d8b24b0eb9b28acd13a7dcd93dd85d1c124e06c2b357ca7bce7d65"
            + "fefbcda9fe94ef923961f9df7961e8df30e97f9fff224360585b2af57cee28311c34b7a3395e368b7727140a4875aa623f7e3783360a4d050ec302b71c660eae"
            + "f9dbe389ab5c14e979080cab0454d3e07b8ac5a19b22beebde4b7c89012e825a6e0fb0fea480b0113eb3c3ed7e11571e4ccbef23536693fe06f9cf5ddf1144bf"
            + "4b245aca23af552b63edd73dc3ebd0253e10868d909332b56b643a4ed748f405e8fb712098a4b5faf654402cadbf31ab0339c3a4e3fed2dab99246c0c9d14fce";

    /** §13.3(a): a ping sent by {@code --secret k 0 --cipher AES-256-CBC --auth SHA256}. */
    static final byte[] PING_PACKET = Hex.bytes(
            "9aced8ead702949a4e25b26c26ff7b715befa8bf7ee41f4e7a146a9b9d2ff462"
                    + "bb9ff5eded2b1c005dc3a8b71ae3c803"
                    + "e1e3f021ddd2c08973c14be816e0b12e6a1c9b02d1ed5638ace5c5ad0410d010");

    /** The time field of that ping. */
    static final long PING_TIME = 0x6b06af65L;

    /** OpenVPN's ping payload (ping.c). */
    static final byte[] PING_PAYLOAD = Hex.bytes("2a187bf3641eb4cb07ed2d0a981fc748");

    /** The key as {@code openvpn --genkey secret} writes it: comments, header, 16 bytes per line, footer. */
    static String keyFile(String hex) {
        StringBuilder sb = new StringBuilder();
        sb.append("#\n# 2048 bit OpenVPN static key\n#\n");
        sb.append(StaticKey.HEADER).append('\n');
        for (int i = 0; i < hex.length(); i += 32) {
            sb.append(hex, i, Math.min(i + 32, hex.length())).append('\n');
        }
        sb.append(StaticKey.FOOTER).append('\n');
        return sb.toString();
    }

    static StaticKey vectorKey() throws StaticKeyException {
        return StaticKey.parse(keyFile(KEY_HEX));
    }

    static String randomKeyHex(long seed) {
        byte[] b = new byte[256];
        new org.culvert.openvpn.DeterministicRandom(seed).nextBytes(b);
        return Hex.string(b);
    }
}
