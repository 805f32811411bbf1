package org.culvert.openvpn.session;

import static org.culvert.fuzz.Buffers.check;
import static org.culvert.fuzz.Buffers.checkWithin;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.culvert.fuzz.Buffers;
import org.culvert.fuzz.FuzzRun;
import org.culvert.fuzz.Keys;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.ConfigParser;
import org.junit.jupiter.api.AfterAll;

/**
 * What an authenticated data packet carries besides tun packets: the compression framing
 * ({@link DataPayload#frame}/{@link DataPayload#unframe}), pings and OCC messages, and the peer's OCC
 * options string compared with ours ({@link OccStrings#mismatch}, whose line goes to the log).
 *
 * <p>Invariants: nothing throws; unframing any bytes leaves the payload inside them; framing then
 * unframing gives back the payload for every framing; a ping is exactly the 16 magic bytes; an OCC
 * message built with a type reads back that type; the mismatch line is null exactly for an equal
 * string, and otherwise printable ASCII of bounded length whatever the peer sent (no log injection).
 */
class OccPingFuzz {
    private static final FuzzRun RUN = new FuzzRun("OCC and ping (DataPayload, OccStrings)");
    private static final String LOCAL;

    static {
        try {
            LOCAL = OccStrings.local(ConfigParser.parse("dev tun\ncipher AES-256-CBC\n" + Keys.secretBlock(Keys.keyFile(1)), "occ.conf", null));
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void occAndPing(FuzzedDataProvider in) throws Exception {
        RUN.run(in, OccPingFuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        Compression c = in.pickValue(Compression.values());
        switch (in.consumeInt(0, 2)) {
            case 0: { // any opened payload meets the framing and the ping/OCC checks
                byte[] data = in.consumeBytes(in.consumeInt(0, 1600));
                ByteBuffer b = Buffers.slot(data, 4, 4);
                boolean ok = DataPayload.unframe(b, c);
                checkWithin(b, 4, 4 + data.length, "unframe");
                if (!ok) {
                    break;
                }
                if (DataPayload.isPing(b)) {
                    check(b.remaining() == 16, "a ping of " + b.remaining() + " bytes");
                }
                if (DataPayload.isOcc(b)) {
                    int type = DataPayload.occType(b);
                    check(type >= -1 && type <= 255, "OCC type " + type);
                }
                break;
            }
            case 1: { // framing round trip, and OCC messages of every type
                byte[] data = in.consumeBoolean() ? in.consumeBytes(in.consumeInt(1, 1600))
                        : DataPayload.occMessage(in.consumeInt(0, 255), in.consumeBoolean() ? null : ascii(in.consumeString(200)));
                if (data.length == 0) {
                    break;
                }
                int room = in.consumeInt(0, 4);
                ByteBuffer b = Buffers.slot(data, room, room);
                if (!DataPayload.frame(b, c, 0, 0)) {
                    check(room < DataPayload.frameHeadroom(c) || room < DataPayload.frameTailroom(c), "frame refused with room");
                    check(Arrays.equals(Buffers.bytes(b), data), "a refused frame changed the payload");
                    break;
                }
                checkWithin(b, 0, b.capacity(), "frame");
                check(DataPayload.unframe(b, c), "unframe refused what frame wrote for " + c);
                check(Arrays.equals(Buffers.bytes(b), data), "frame then unframe changed the payload for " + c);
                if (data[0] == DataPayload.ping()[0] || DataPayload.isOcc(ByteBuffer.wrap(data))) {
                    ByteBuffer w = ByteBuffer.wrap(data);
                    check(!DataPayload.isOcc(w) || DataPayload.occType(w) == (data.length > 16 ? data[16] & 0xFF : -1), "OCC type");
                }
                break;
            }
            default: { // the peer's OCC options string
                String received = in.consumeBoolean() ? mutateLocal(in) : in.consumeString(1100);
                String line = OccStrings.mismatch(LOCAL, received);
                check((line == null) == LOCAL.equals(received), "mismatch null for a different string, or not null for ours");
                if (line != null) {
                    // One note per differing item: linear in what the peer sent, never more.
                    check(line.length() <= 200 + 120 * (received.length() + LOCAL.length()), "a mismatch line of "
                            + line.length() + " chars for " + received.length());
                    for (int i = 0; i < line.length(); i++) {
                        char ch = line.charAt(i);
                        check(ch >= 0x20 && ch < 0x7F, "the mismatch line carries the peer's character " + (int) ch);
                    }
                }
                break;
            }
        }
    }

    /** Our own options string with fuzzer-chosen edits: items dropped, changed or added. */
    private static String mutateLocal(FuzzedDataProvider in) {
        String[] items = LOCAL.split(",");
        StringBuilder out = new StringBuilder(items[0]);
        for (int i = 1; i < items.length; i++) {
            int what = in.consumeInt(0, 3);
            if (what == 1) {
                continue;
            }
            out.append(',').append(what == 2 ? items[i] + in.consumeString(8) : items[i]);
        }
        if (in.consumeBoolean()) {
            out.append(',').append(in.consumeString(40));
        }
        return out.toString();
    }

    private static String ascii(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            b.append((char) (ch & 0x7F));
        }
        return b.toString();
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
