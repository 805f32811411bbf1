package org.culvert.openvpn.tls.internal;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.Base64;
import org.culvert.fuzz.FuzzRun;
import org.junit.jupiter.api.AfterAll;

/**
 * tls-crypt-v2 input from outside: a wrapped client key as a server finds it at the end of a packet
 * (raw, or a real WKc with bytes changed and its length field set to lie or not), a client key file's
 * PEM text, and the early-negotiation TLVs of a server's reset.
 *
 * <p>Invariants: nothing throws but {@link TlsCryptV2.KeyException}; a real WKc unwraps to its Kc and
 * metadata; any change to it is refused; an accepted unwrap always yields a 256-byte Kc and at most
 * 734 bytes of metadata; the TLV parser never reads out of its bounds.
 */
class TlsCryptV2Fuzz {
    private static final FuzzRun RUN = new FuzzRun("tls-crypt-v2 WKc, client keys and early-negotiation TLVs (TlsCryptV2)");
    private static final byte[] SERVER_KEY = new byte[128];

    static {
        for (int i = 0; i < SERVER_KEY.length; i++) {
            SERVER_KEY[i] = (byte) (i * 7 + 3);
        }
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void tlsCryptV2(FuzzedDataProvider in) throws Exception {
        RUN.run(in, TlsCryptV2Fuzz::run);
    }

    @AfterAll
    static void report() {
        RUN.report();
    }

    private static void run(FuzzedDataProvider in) throws Exception {
        switch (in.consumeInt(0, 3)) {
            case 0:
                unwrapRaw(in.consumeBytes(in.consumeInt(0, 1100)));
                break;
            case 1:
                mutatedWkc(in);
                break;
            case 2:
                clientKeyText(in);
                break;
            default:
                byte[] tlv = in.consumeRemainingAsBytes();
                EarlyNegotiation.resendWkc(tlv, tlv.length);
                break;
        }
    }

    private static void unwrapRaw(byte[] wkc) {
        try {
            TlsCryptV2.Unwrapped u = TlsCryptV2.unwrap(SERVER_KEY, wkc, 0, wkc.length);
            check(u.kc().length == 256 && u.metadata().length <= TlsCryptV2.MAX_METADATA_LENGTH, "bad unwrap shape");
        } catch (TlsCryptV2.KeyException expected) {
            // refused: the normal outcome
        }
    }

    private static void mutatedWkc(FuzzedDataProvider in) throws Exception {
        byte[] kc = in.consumeBytes(256);
        kc = Arrays.copyOf(kc, 256);
        byte[] meta = in.consumeBytes(in.consumeInt(0, TlsCryptV2.MAX_METADATA_LENGTH));
        byte[] wkc = TlsCryptV2.wrap(SERVER_KEY, kc, meta);
        TlsCryptV2.Unwrapped u = TlsCryptV2.unwrap(SERVER_KEY, wkc, 0, wkc.length);
        check(Arrays.equals(kc, u.kc()) && Arrays.equals(meta, u.metadata()), "round trip changed the key");
        byte[] bad = wkc.clone();
        int changes = in.consumeInt(1, 4);
        for (int i = 0; i < changes; i++) {
            bad[in.consumeInt(0, bad.length - 1)] = in.consumeByte();
        }
        // Compared at the end: a byte changed and then set back (the same position twice) is no change.
        boolean changed = !Arrays.equals(bad, wkc);
        int length = in.consumeBoolean() ? bad.length : in.consumeInt(0, bad.length);
        try {
            TlsCryptV2.unwrap(SERVER_KEY, bad, 0, length);
            check(!changed && length == wkc.length, "a changed WKc was accepted");
        } catch (TlsCryptV2.KeyException expected) {
            check(changed || length != wkc.length, "the real WKc was refused: " + expected.problem());
        }
    }

    private static void clientKeyText(FuzzedDataProvider in) {
        String body = in.consumeBoolean() ? Base64.getMimeEncoder().encodeToString(in.consumeBytes(in.consumeInt(0, 1400)))
                : in.consumeString(2000);
        String label = in.consumeBoolean() ? "OpenVPN tls-crypt-v2 client key" : in.consumeString(40);
        String pem = "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
        try {
            TlsCryptV2.ClientKey k = TlsCryptV2.parseClientKey(pem.toCharArray());
            check(k.kc().length == 256 && k.wkc().length >= TlsCryptV2.MIN_WKC_LENGTH
                    && k.wkc().length <= TlsCryptV2.MAX_WKC_LENGTH
                    && Bytes.getShort(k.wkc(), k.wkc().length - 2) == k.wkc().length, "a malformed client key was accepted");
        } catch (TlsCryptV2.KeyException expected) {
            // refused
        }
    }
}
