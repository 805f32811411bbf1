package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Username and password in the key-method-2 message: written as OpenVPN does, read back, refused when too long. */
class KeyMethod2CredentialsTest {
    @Test
    void roundTrip() {
        KeyMethod2 m = KeyMethod2.create(true, new SecureRandom(), "V4,dev-type tun", "IV_VER=2.6.14\n");
        byte[] wire = m.encode("alice", "pä55".toCharArray());
        KeyMethod2.Parsed p = KeyMethod2.parse(wire, wire.length, true);
        assertNotNull(p.message, p.error);
        assertEquals("alice", p.message.username);
        assertArrayEquals("pä55".toCharArray(), p.message.password);
        assertEquals("IV_VER=2.6.14\n", p.message.peerInfo);
        p.message.wipe();
        assertTrue(Arrays.equals(new char[4], p.message.password), "wipe overwrites the password");
    }

    @Test
    void emptyCredentialsAreTwoZeroBytesEach() {
        KeyMethod2 m = KeyMethod2.create(false, new SecureRandom(), "V4", "");
        byte[] empty = m.encode();
        byte[] explicit = m.encode("", new char[0]);
        assertArrayEquals(empty, explicit);
        // u32 0 | u8 2 | r1 32 | r2 32 | options "V4\0" (2+3) | user 00 00 | pass 00 00 | peer info 00 00
        int afterOptions = 5 + 64 + 2 + 3;
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(empty, afterOptions, afterOptions + 6));
    }

    @Test
    void oversizedPasswordIsRefused() {
        KeyMethod2 m = KeyMethod2.create(true, new SecureRandom(), "V4", "");
        char[] huge = new char[KeyMethod2.MAX_USER_PASS];
        Arrays.fill(huge, 'x');
        assertThrows(IllegalArgumentException.class, () -> m.encode("u", huge));
    }

    @Test
    void oversizedUsernameFromAPeerIsAnError() {
        KeyMethod2 m = KeyMethod2.create(true, new SecureRandom(), "V4", "");
        byte[] wire = m.encode("u", new char[0]);
        int userAt = 5 + 48 + 64 + 2 + 3;
        wire[userAt] = (byte) 0x10; // 4098 + ...: above MAX_USER_PASS
        wire[userAt + 1] = (byte) 0x02;
        KeyMethod2.Parsed p = KeyMethod2.parse(wire, wire.length, true);
        assertTrue(p.error != null && p.error.contains("username/password too long"), String.valueOf(p.error));
    }
}
