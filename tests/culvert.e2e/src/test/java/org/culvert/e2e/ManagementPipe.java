package org.culvert.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A tiny bridge run inside a network namespace ({@code ip netns exec NS java -cp test-classes
 * org.culvert.e2e.ManagementPipe HOST PORT SECONDS}): connects to a management interface listening
 * on TCP inside that namespace (retrying until SECONDS pass, since the peer may still be starting),
 * then copies its stdin to the socket and the socket to its stdout, so a test in the root namespace
 * can talk to it through the process's pipes. Ends when the socket closes. Test code only.
 */
public final class ManagementPipe {
    private ManagementPipe() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        Socket socket = null;
        while (socket == null) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), 1000);
                socket = s;
            } catch (IOException e) {
                s.close();
                if (System.nanoTime() > deadline) {
                    System.err.println("ManagementPipe: cannot connect to " + host + ":" + port + ": " + e);
                    return;
                }
                Thread.sleep(100); // Retry interval while the peer starts; the deadline bounds it.
            }
        }
        Socket connected = socket;
        Thread up = new Thread(() -> {
            try {
                copy(System.in, connected.getOutputStream());
                connected.shutdownOutput();
            } catch (IOException e) {
                // The socket closed first.
            }
        }, "pipe-stdin");
        up.setDaemon(true);
        up.start();
        try (connected) {
            copy(connected.getInputStream(), System.out);
        } catch (IOException e) {
            // Closed by the server.
        }
        System.out.flush();
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }
}
