package org.culvert.openvpn.tls.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.culvert.openvpn.crypto.WipeableKey;

/**
 * The TLS 1.0 PRF (RFC 2246 §5) and OpenVPN's two-step data-key derivation built on it, used when the
 * peer cannot export keying material (no {@code IV_PROTO} TLS_KEY_EXPORT bit).
 *
 * <pre>
 * PRF(secret, seed, n) = P_MD5(S1, seed) XOR P_SHA1(S2, seed)
 * master[48]    = PRF(pre_master, "OpenVPN master secret" | c.random1 | s.random1)
 * keyblock[256] = PRF(master, "OpenVPN key expansion" | c.random2 | s.random2 | c.sid | s.sid)
 * </pre>
 *
 * Control path only (allocates freely).
 */
public final class Prf {
    private Prf() {
    }

    /** The TLS 1.0 PRF over {@code seed} (which includes the label). */
    public static byte[] tls1Prf(byte[] secret, byte[] seed, int length) {
        int half = (secret.length + 1) / 2;
        byte[] s1 = Arrays.copyOfRange(secret, 0, half);
        byte[] s2 = Arrays.copyOfRange(secret, secret.length - half, secret.length);
        try {
            byte[] md5 = pHash("HmacMD5", s1, seed, length);
            byte[] sha1 = pHash("HmacSHA1", s2, seed, length);
            for (int i = 0; i < length; i++) {
                md5[i] ^= sha1[i];
            }
            Arrays.fill(sha1, (byte) 0);
            return md5;
        } finally {
            Arrays.fill(s1, (byte) 0);
            Arrays.fill(s2, (byte) 0);
        }
    }

    /** OpenVPN's key block from key-method-2 material and the control-channel session ids. */
    public static byte[] openVpnKeyBlock(byte[] preMaster, byte[] clientRandom1, byte[] serverRandom1,
            byte[] clientRandom2, byte[] serverRandom2, long clientSid, long serverSid) {
        byte[] master = tls1Prf(preMaster, concat(ascii("OpenVPN master secret"), clientRandom1, serverRandom1), 48);
        byte[] sids = new byte[16];
        Bytes.putLong(sids, 0, clientSid);
        Bytes.putLong(sids, 8, serverSid);
        try {
            return tls1Prf(master, concat(ascii("OpenVPN key expansion"), clientRandom2, serverRandom2, sids), 256);
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    private static byte[] pHash(String mac, byte[] secret, byte[] seed, int length) {
        try {
            Mac hmac = Mac.getInstance(mac);
            // An empty secret is legal for the PRF but not for a JCE key; HMAC pads keys with
            // zeros, so one zero byte is the same key.
            WipeableKey key = secret.length == 0 ? new WipeableKey(new byte[1], 0, 1, mac)
                    : new WipeableKey(secret, 0, secret.length, mac);
            try {
                hmac.init(key);
            } finally {
                key.destroy();
            }
            byte[] out = new byte[length];
            byte[] a = seed;
            int done = 0;
            while (done < length) {
                byte[] next = hmac.doFinal(a);
                if (a != seed) {
                    Arrays.fill(a, (byte) 0);
                }
                a = next;
                hmac.update(a);
                hmac.update(seed);
                byte[] block = hmac.doFinal();
                int n = Math.min(block.length, length - done);
                System.arraycopy(block, 0, out, done, n);
                Arrays.fill(block, (byte) 0);
                done += n;
            }
            Arrays.fill(a, (byte) 0);
            // The Mac keeps its pads derived from the secret until it is re-keyed.
            hmac.init(new SecretKeySpec(new byte[1], mac));
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + mac, e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
