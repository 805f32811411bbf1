package org.culvert.e2e;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A flood of forged OpenVPN resets, run in a namespace of its own ({@code java -cp <test classes>
 * org.culvert.e2e.ResetFlooder HOST PORT RATE SECONDS SOCKETS}): {@code P_CONTROL_HARD_RESET_CLIENT_V2}
 * packets (every tenth a {@code _V3}) with a fresh random session id each, from {@code SOCKETS}
 * source ports in turn, paced to {@code RATE} packets per second for {@code SECONDS}. Nothing it
 * sends is ever followed up, so each reset costs the server at most its stateless answer, which is
 * read and counted here. Prints one line at the end: {@code sent N in T ms, answers A}.
 */
public final class ResetFlooder {
    /** Opcodes (wire: op << 3 | key_id 0). */
    private static final int P_CONTROL_HARD_RESET_CLIENT_V2 = 7;
    private static final int P_CONTROL_HARD_RESET_CLIENT_V3 = 10;

    private ResetFlooder() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int rate = Integer.parseInt(args[2]);
        long nanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        DatagramChannel[] sockets = new DatagramChannel[Integer.parseInt(args[4])];
        for (int i = 0; i < sockets.length; i++) {
            sockets[i] = DatagramChannel.open();
            sockets[i].configureBlocking(false);
            sockets[i].connect(server);
        }
        // Without tls-auth/tls-crypt a reset is: opcode, session id (8), ack count 0, message id 0 (4).
        ByteBuffer packet = ByteBuffer.allocate(14);
        ByteBuffer answer = ByteBuffer.allocate(2048);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        System.out.println("flooding " + server + " at " + rate + " resets/s from " + sockets.length + " ports");
        System.out.flush();
        long sent = 0;
        long answers = 0;
        long start = System.nanoTime();
        long end = start + nanos;
        long now;
        while ((now = System.nanoTime()) < end) {
            long due = (now - start) * rate / 1_000_000_000L;
            while (sent < due) {
                packet.clear();
                packet.put((byte) ((sent % 10 == 9 ? P_CONTROL_HARD_RESET_CLIENT_V3 : P_CONTROL_HARD_RESET_CLIENT_V2) << 3));
                packet.putLong(random.nextLong()).put((byte) 0).putInt(0).flip();
                try {
                    sockets[(int) (sent % sockets.length)].write(packet);
                } catch (java.io.IOException e) {
                    // ECONNREFUSED from an earlier ICMP, or a full buffer: the packet is lost, as on a real link.
                }
                sent++;
            }
            for (DatagramChannel s : sockets) {
                answer.clear();
                try {
                    while (s.read(answer) > 0) {
                        answers++;
                        answer.clear();
                    }
                } catch (java.io.IOException e) {
                    // an ICMP error queued on the socket; keep flooding
                }
            }
            LockSupport.parkNanos(200_000); // pacing: the next batch is due in 0.2 ms
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("sent " + sent + " in " + ms + " ms, answers " + answers);
    }
}
