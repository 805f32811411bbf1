package org.culvert.openvpn.tls.internal;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.culvert.fuzz.FuzzRun;
import org.junit.jupiter.api.AfterAll;

/**
 * Key-method-2 messages (what arrives inside the TLS tunnel after the handshake): built field by field
 * (key method byte, pre-master and randoms, four length-prefixed strings whose declared lengths may lie,
 * bytes after the message), or raw, parsed as coming from a client and from a server.
 *
 * <p>Invariants: nothing throws; each outcome is exactly one of message, incomplete, key method 1,
 * error; {@code consumed} stays within the bytes given; a parsed message parses the same from exactly
 * its consumed bytes, and every shorter prefix is incomplete or a shorter whole message (peers may stop
 * after the options string); encoding a parsed message and parsing it again gives the same message
 * (or the documented {@link IllegalStateException} for one over 2048 bytes); peer-info lookups never
 * throw and {@code IV_PROTO} is never negative.
 */
class KeyMethod2Fuzz {
    private static final FuzzRun RUN = new FuzzRun("key-method-2 messages (KeyMethod2)");

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void keyMethod2(FuzzedDataProvider in) throws Exception {
        RUN.run(in, KeyMethod2Fuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        boolean fromClient = in.consumeBoolean();
        byte[] b = in.consumeBoolean() ? build(in, fromClient) : in.consumeBytes(in.consumeInt(0, 3000));
        KeyMethod2.Parsed r = KeyMethod2.parse(b, b.length, fromClient);
        checkShape(r, b.length);
        if (r.message == null) {
            return;
        }
        KeyMethod2.Parsed exact = KeyMethod2.parse(b, r.consumed, fromClient);
        check(exact.message != null && exact.consumed == r.consumed && same(exact.message, r.message),
                "the message does not parse the same from its own bytes");
        int k = in.consumeInt(0, r.consumed - 1);
        KeyMethod2.Parsed prefix = KeyMethod2.parse(b, k, fromClient);
        checkShape(prefix, k);
        check(prefix.incomplete || (prefix.message != null && prefix.consumed == k),
                "a " + k + "-byte prefix of a " + r.consumed + "-byte message: " + prefix.error);
        if (r.message.options.isEmpty()) {
            return; // encode writes an empty string as length 0, which parse refuses for options: never sent
        }
        if (utf8(r.message.options) + 1 > KeyMethod2.MAX_OPTIONS || utf8(r.message.peerInfo) + 1 > KeyMethod2.MAX_MESSAGE) {
            // The peer's bytes are read as UTF-8: a malformed sequence becomes U+FFFD (3 bytes), so
            // a string near its limit can outgrow it when written back. Culvert only writes its own.
            return;
        }
        int size = 5 + (fromClient ? 48 : 0) + 64 + 2 + utf8(r.message.options) + 1 + 4 + 2
                + (r.message.peerInfo.isEmpty() ? 0 : utf8(r.message.peerInfo) + 1);
        byte[] again;
        try {
            again = r.message.encode();
        } catch (IllegalStateException e) {
            check(size > KeyMethod2.MAX_MESSAGE, "encode refused a message of " + size + " bytes");
            return;
        }
        check(again.length == size, "encoded " + again.length + " bytes, expected " + size);
        KeyMethod2.Parsed back = KeyMethod2.parse(again, again.length, fromClient);
        check(back.message != null && back.consumed == again.length && same(back.message, r.message),
                "encode then parse changed the message: " + (back.message == null ? back.error : "options " + utf8(r.message.options)
                        + "->" + utf8(back.message.options) + " bytes, peer info " + utf8(r.message.peerInfo) + "->"
                        + utf8(back.message.peerInfo)));
        check(KeyMethod2.ivProto(r.message.peerInfo) >= 0, "negative IV_PROTO");
        KeyMethod2.peerInfoValue(r.message.peerInfo, in.consumeString(16));
    }

    private static void checkShape(KeyMethod2.Parsed r, int length) {
        check(r != null, "no result");
        int outcomes = (r.message != null ? 1 : 0) + (r.incomplete ? 1 : 0) + (r.keyMethod1 ? 1 : 0)
                + (r.error != null && !r.keyMethod1 ? 1 : 0);
        check(outcomes == 1, "outcomes: message " + (r.message != null) + ", incomplete " + r.incomplete + ", key method 1 "
                + r.keyMethod1 + ", error " + r.error);
        check(r.consumed >= 0 && r.consumed <= length, "consumed " + r.consumed + " of " + length);
        check(r.message == null || r.consumed >= 5 + 64, "a message shorter than its fixed part");
    }

    private static int utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static boolean same(KeyMethod2 a, KeyMethod2 b) {
        return Arrays.equals(a.preMaster, b.preMaster) && Arrays.equals(a.random1, b.random1)
                && Arrays.equals(a.random2, b.random2) && a.options.equals(b.options) && a.peerInfo.equals(b.peerInfo);
    }

    /** A message field by field; declared string lengths are usually true, sometimes not. */
    private static byte[] build(FuzzedDataProvider in, boolean fromClient) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[4]);
        out.write(in.consumeBoolean() ? 2 : in.consumeInt(0, 255));
        out.writeBytes(Arrays.copyOf(in.consumeBytes(fromClient ? 48 : 0), fromClient ? 48 : 0));
        out.writeBytes(Arrays.copyOf(in.consumeBytes(64), 64));
        int strings = in.consumeInt(0, 4);
        for (int i = 0; i < strings; i++) {
            byte[] s = in.consumeBytes(in.consumeInt(0, i == 3 ? 2100 : 600));
            int declared = in.consumeBoolean() ? s.length + 1 : in.consumeInt(0, 0xFFFF);
            out.write(declared >>> 8);
            out.write(declared);
            out.writeBytes(s);
            out.write(0);
        }
        out.writeBytes(in.consumeBytes(in.consumeInt(0, 16)));
        return out.toByteArray();
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
