package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.Hex;
import org.junit.jupiter.api.Test;

class HmacTest {
    private static final String LOREM = "Lorem ipsum dolor sit amet, consectetur adipisici elit, sed eiusmod tempor"
            + " incidunt ut labore et dolore magna aliqua.";

    /** OpenVPN's tests/unit_tests/openvpn/test_crypto.c crypto_test_hmac (facts sheet §13.1). */
    @Test
    void openVpnHmacSha1KnownAnswer() {
        byte[] key = new byte[20];
        key[0] = 0x0b;
        byte[] message = (LOREM + LOREM).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[20];
        new Hmac(AuthAlgorithm.SHA1, key).compute(message, 0, message.length, out, 0);
        assertEquals("58ea5af04294e917ed84b9f0833023ae8ba77eb8", Hex.string(out));
    }

    @Test
    void matchesJceMacForEveryDigestAndManyLengths() throws Exception {
        DeterministicRandom random = new DeterministicRandom(7);
        for (AuthAlgorithm a : new AuthAlgorithm[] {AuthAlgorithm.SHA1, AuthAlgorithm.SHA256, AuthAlgorithm.SHA512}) {
            byte[] key = new byte[a.digestLength()];
            random.nextBytes(key);
            Hmac ours = new Hmac(a, key);
            Mac jce = Mac.getInstance("Hmac" + a.openVpnName());
            jce.init(new SecretKeySpec(key, "Hmac" + a.openVpnName()));
            for (int length : new int[] {0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1500}) {
                byte[] data = new byte[length + 7];
                random.nextBytes(data);
                byte[] out = new byte[a.digestLength() + 3];
                ours.compute(data, 3, length, out, 3);
                jce.update(data, 3, length);
                assertArrayEquals(jce.doFinal(), Arrays.copyOfRange(out, 3, out.length), a + " length " + length);
            }
        }
    }
}
