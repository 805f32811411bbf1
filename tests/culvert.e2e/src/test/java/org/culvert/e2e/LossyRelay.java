package org.culvert.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A UDP relay between two VPN peers that injects bad packets on command. Started by the tests with
 * {@code ip netns exec NS java -cp test-classes org.culvert.e2e.LossyRelay A_LISTEN A_PEER B_LISTEN B_PEER}
 * (each {@code host:port}): datagrams from A_PEER arriving on A_LISTEN go to B_PEER from B_LISTEN, and
 * back. Peer A (the side under test) sees only the relay's A_LISTEN address as its remote, so injected
 * packets come from the address it expects and can only be rejected by their content.
 *
 * <p>Commands, one per line on stdin; each is answered with one line on stdout:
 * <ul>
 * <li>{@code replay K}: send A again K packets B sent earlier (half the newest, half the oldest kept) —
 * {@code replayed K}</li>
 * <li>{@code truncate L1 L2 ...}: for each L send A a copy of a recent B packet cut to L bytes (a negative
 * L means "original length + L") — {@code truncated N}</li>
 * <li>{@code flip K}: send A K copies of recent B packets with one bit flipped each, at positions spread
 * from the first to the last byte — {@code flipped K}</li>
 * <li>{@code forge client|server MS}: every MS ms send A a forged {@code P_CONTROL_HARD_RESET_CLIENT_V2}
 * (or {@code _SERVER_V2}) with a fresh random session id and no wrapping (what an attacker who knows the
 * port can send), starting once B's first hard reset has gone through. Sent before it, the first forged
 * reset takes the slot the real peer's reset would have had, and stock OpenVPN 2.6 never comes up
 * either (measured) — {@code forging}</li>
 * <li>{@code replay-control MS}: from now on, every MS ms send A again the first hard reset B sent and one
 * other control packet B sent (round robin over the last {@value #CONTROL_HISTORY} kept); nothing is
 * sent until B's hard reset has been seen — {@code replaying}</li>
 * <li>{@code attack-stop}: end the periodic attacks (their counts are final afterwards) — the stats line</li>
 * <li>{@code stats}, {@code freeze} (stop forwarding and attacking; counts are final afterwards), {@code quit} —
 * {@code stats forwardedToA=.. forwardedToB=.. injected=.. forged=.. controlReplayed=..}</li>
 * </ul>
 * Startup prints {@code ready}. Errors print {@code error ...}. Per-packet work allocates one copy
 * for the history ring; this is test tooling, not the data path.
 */
public final class LossyRelay {
    private static final int HISTORY = 256;
    private static final int MAX_DATAGRAM = 65_535;
    private static final int CONTROL_HISTORY = 32;
    private static final int P_DATA_V1 = 6;
    private static final int P_CONTROL_HARD_RESET_CLIENT_V2 = 7;
    private static final int P_CONTROL_HARD_RESET_SERVER_V2 = 8;
    private static final int P_DATA_V2 = 9;

    private final DatagramSocket sideA;
    private final DatagramSocket sideB;
    private final InetSocketAddress peerA;
    private final InetSocketAddress peerB;
    private final Object lock = new Object();
    /** B-to-A datagrams already forwarded, oldest first. Guarded by lock. */
    private final ArrayDeque<byte[]> history = new ArrayDeque<>();
    private long forwardedToA;
    private long forwardedToB;
    private long injected;
    private long foreign;
    private long forged;
    private long controlReplayed;
    private boolean frozen;
    /** B-to-A control packets (TLS mode: every opcode but P_DATA_*), oldest first; the first hard reset B sent. Guarded by lock. */
    private final ArrayDeque<byte[]> control = new ArrayDeque<>();
    private byte[] firstReset;
    private int controlCursor;
    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService attacks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "relay-attacks");
        t.setDaemon(true);
        return t;
    });

    private LossyRelay(InetSocketAddress listenA, InetSocketAddress peerA, InetSocketAddress listenB, InetSocketAddress peerB)
            throws SocketException {
        this.sideA = new DatagramSocket(listenA);
        this.sideB = new DatagramSocket(listenB);
        this.peerA = peerA;
        this.peerB = peerB;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LossyRelay A_LISTEN A_PEER B_LISTEN B_PEER   (each host:port)");
            System.exit(2);
        }
        LossyRelay relay = new LossyRelay(addr(args[0]), addr(args[1]), addr(args[2]), addr(args[3]));
        relay.run(System.out);
    }

    static InetSocketAddress addr(String hostPort) {
        int c = hostPort.lastIndexOf(':');
        if (c <= 0) {
            throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
        }
        return new InetSocketAddress(hostPort.substring(0, c), Integer.parseInt(hostPort.substring(c + 1)));
    }

    private void run(PrintStream out) throws IOException {
        Thread toB = new Thread(() -> forward(sideA, peerA, sideB, peerB, false), "relay-a-to-b");
        Thread toA = new Thread(() -> forward(sideB, peerB, sideA, peerA, true), "relay-b-to-a");
        toB.setDaemon(true);
        toA.setDaemon(true);
        toB.start();
        toA.start();
        out.println("ready");
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String reply;
            try {
                reply = command(line.trim());
            } catch (RuntimeException | IOException e) {
                reply = "error " + e;
            }
            out.println(reply);
            out.flush();
            if (line.trim().equals("quit")) {
                break;
            }
        }
        attacks.shutdownNow();
        sideA.close();
        sideB.close();
    }

    private void forward(DatagramSocket from, InetSocketAddress expected, DatagramSocket to, InetSocketAddress dest, boolean towardsA) {
        byte[] buf = new byte[MAX_DATAGRAM];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        DatagramPacket outPacket = new DatagramPacket(buf, 0, dest);
        while (!from.isClosed()) {
            try {
                in.setLength(buf.length);
                from.receive(in);
                synchronized (lock) {
                    if (!expected.equals(in.getSocketAddress())) {
                        foreign++;
                        continue;
                    }
                    if (frozen) {
                        continue;
                    }
                    outPacket.setData(buf, 0, in.getLength());
                    to.send(outPacket);
                    if (towardsA) {
                        forwardedToA++;
                        byte[] copy = Arrays.copyOf(buf, in.getLength());
                        history.addLast(copy);
                        if (history.size() > HISTORY) {
                            history.removeFirst();
                        }
                        recordControlLocked(copy);
                    } else {
                        forwardedToB++;
                    }
                }
            } catch (IOException e) {
                if (from.isClosed()) {
                    return;
                }
                // ICMP port unreachable from a peer that is not up yet: keep relaying.
            }
        }
    }

    private String command(String line) throws IOException {
        String[] f = line.split("\\s+");
        switch (f[0]) {
            case "replay":
                return "replayed " + replay(Integer.parseInt(f[1]));
            case "truncate": {
                int n = 0;
                for (int i = 1; i < f.length; i++) {
                    n += truncate(Integer.parseInt(f[i]));
                }
                return "truncated " + n;
            }
            case "flip":
                return "flipped " + flip(Integer.parseInt(f[1]));
            case "forge": {
                int opcode = "server".equals(f[1]) ? P_CONTROL_HARD_RESET_SERVER_V2 : P_CONTROL_HARD_RESET_CLIENT_V2;
                if (!"server".equals(f[1]) && !"client".equals(f[1])) {
                    return "error forge client|server MS";
                }
                attacks.scheduleAtFixedRate(() -> forge(opcode), 0, Long.parseLong(f[2]), TimeUnit.MILLISECONDS);
                return "forging";
            }
            case "replay-control":
                attacks.scheduleAtFixedRate(this::replayControl, 0, Long.parseLong(f[1]), TimeUnit.MILLISECONDS);
                return "replaying";
            case "attack-stop":
                stopAttacks();
                return stats();
            case "freeze":
                stopAttacks();
                synchronized (lock) {
                    frozen = true;
                }
                return stats();
            case "stats":
            case "quit":
                return stats();
            default:
                return "error unknown command '" + line + "'";
        }
    }

    private String stats() {
        synchronized (lock) {
            return "stats forwardedToA=" + forwardedToA + " forwardedToB=" + forwardedToB + " injected=" + injected + " foreign=" + foreign
                    + " forged=" + forged + " controlReplayed=" + controlReplayed;
        }
    }

    private int replay(int count) throws IOException {
        synchronized (lock) {
            List<byte[]> all = new ArrayList<>(history);
            if (all.size() < count) {
                throw new IllegalStateException("only " + all.size() + " packets seen so far, cannot replay " + count);
            }
            List<byte[]> picks = new ArrayList<>();
            int newest = count - count / 2;
            picks.addAll(all.subList(all.size() - newest, all.size()));
            picks.addAll(all.subList(0, count / 2));
            for (byte[] p : picks) {
                injectLocked(p, p.length);
            }
            return picks.size();
        }
    }

    private int truncate(int length) throws IOException {
        synchronized (lock) {
            byte[] src = null;
            int len = 0;
            for (var it = history.descendingIterator(); it.hasNext();) {
                byte[] p = it.next();
                int l = length > 0 ? length : p.length + length;
                if (l > 0 && l < p.length) {
                    src = p;
                    len = l;
                    break;
                }
            }
            if (src == null) {
                throw new IllegalStateException("no packet long enough to truncate to " + length);
            }
            injectLocked(src, len);
            return 1;
        }
    }

    private int flip(int count) throws IOException {
        synchronized (lock) {
            if (history.isEmpty()) {
                throw new IllegalStateException("no packet seen yet");
            }
            List<byte[]> all = new ArrayList<>(history);
            for (int k = 0; k < count; k++) {
                byte[] p = all.get(all.size() - 1 - (k % all.size())).clone();
                // Spread the flipped bit from the first bit of byte 0 to the last bit of the last byte.
                long bits = (long) p.length * 8;
                long bit = count == 1 ? 0 : (bits - 1) * k / (count - 1);
                p[(int) (bit / 8)] ^= (byte) (1 << (int) (bit % 8));
                injectLocked(p, p.length);
            }
            return count;
        }
    }

    /** TLS-mode control packets are told apart by the opcode in the first byte's high 5 bits. */
    private void recordControlLocked(byte[] p) {
        if (p.length == 0) {
            return;
        }
        int opcode = (p[0] & 0xff) >>> 3;
        if (opcode == P_DATA_V1 || opcode == P_DATA_V2) {
            return;
        }
        if (firstReset == null && (opcode == P_CONTROL_HARD_RESET_CLIENT_V2 || opcode == P_CONTROL_HARD_RESET_SERVER_V2)) {
            firstReset = p;
            return;
        }
        control.addLast(p);
        if (control.size() > CONTROL_HISTORY) {
            control.removeFirst();
        }
    }

    /** One forged hard reset: opcode/key id 0, a random session id, an empty ACK array, message packet-id 0. */
    private void forge(int opcode) {
        synchronized (lock) {
            if (firstReset == null) {
                return;
            }
        }
        byte[] p = new byte[1 + 8 + 1 + 4];
        p[0] = (byte) (opcode << 3);
        byte[] sid = new byte[8];
        random.nextBytes(sid);
        System.arraycopy(sid, 0, p, 1, 8);
        synchronized (lock) {
            if (frozen) {
                return;
            }
            try {
                injectLocked(p, p.length);
                forged++;
            } catch (IOException e) {
                // The attacked peer is not up yet (ICMP unreachable): the attack goes on.
            }
        }
    }

    private void replayControl() {
        synchronized (lock) {
            if (frozen || firstReset == null) {
                return;
            }
            try {
                injectLocked(firstReset, firstReset.length);
                controlReplayed++;
                if (!control.isEmpty()) {
                    List<byte[]> all = new ArrayList<>(control);
                    byte[] p = all.get(controlCursor++ % all.size());
                    injectLocked(p, p.length);
                    controlReplayed++;
                }
            } catch (IOException e) {
                // As in forge().
            }
        }
    }

    /** Ends the periodic attacks and waits for a running one to finish, so that the counts are final. */
    private void stopAttacks() {
        attacks.shutdownNow();
        try {
            if (!attacks.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("attack thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void injectLocked(byte[] data, int length) throws IOException {
        sideA.send(new DatagramPacket(data, 0, length, peerA));
        injected++;
    }
}
