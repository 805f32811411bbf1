package org.culvert.management.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.ThreadLocalRandom;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelServer;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * The management interface of one tunnel: its listening socket (TCP or unix domain), its clients, its
 * state history. Created, driven and closed by {@link ManagementEngine} on the management thread
 * only; nothing here is thread-safe and nothing here blocks.
 *
 * <p>A listening socket that cannot be opened (address in use, password file missing) is retried
 * every {@link #RETRY_SECONDS} seconds; the first failure is logged, later ones are not. A password
 * file is read when the socket opens; its first line is the password (OpenVPN's
 * {@code --management IP port pw-file}). Without a readable, non-empty password file the interface
 * stays closed rather than open without the password its configuration asks for.
 */
final class TunnelEndpoint implements ClientSession.LineHandler {
    /** Clients that gave the password (or need none). */
    static final int MAX_CLIENTS = 16;
    /**
     * Clients still to give the password have slots of their own, so that they never crowd out an
     * operator: when these are full, a newcomer takes the slot of the oldest waiting client of the
     * source with the most waiting clients. (OpenVPN serves one client at a time, so one idle
     * connection locks it; Culvert serves several.)
     */
    static final int MAX_UNAUTHENTICATED = 8;
    /**
     * A client that has not given the password this long after connecting is closed. OpenVPN 2.6
     * has no such timeout; 60 s leaves an operator typing by hand ample time.
     */
    static final int AUTH_TIMEOUT_SECONDS = 60;
    /** The unix socket's mode: its owner only. */
    static final String SOCKET_PERMISSIONS = "rw-------";
    /** With --management-client-group: its owner and the group's members. */
    static final String GROUP_SOCKET_PERMISSIONS = "rw-rw----";
    static final String NON_LOOPBACK_WARNING = "WARNING: the management interface listens on %s, beyond loopback: other hosts"
            + " can reach it, and its protocol is cleartext; bind it to 127.0.0.1 or use a unix socket";
    static final int RETRY_SECONDS = 5;
    static final String WELCOME = ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info";
    static final String PASSWORD_PROMPT = "ENTER PASSWORD:";
    /** OpenVPN's MANAGEMENT_N_PASSWORD_RETRIES. */
    static final int PASSWORD_TRIES = 3;

    private final Tunnel tunnel;
    private final TunnelOperations.Management settings;
    private final ManagementCommands commands;
    private final ManagementClock clock;
    private final System.Logger log;
    private final String logPrefix;
    private final StateTracker tracker = new StateTracker();
    private final List<ClientSession> clients = new ArrayList<>();
    private final PasswordThrottle throttle = new PasswordThrottle();
    private final ManagementPasswords passwords = new ManagementPasswords();
    /** Server clients whose >CLIENT:CONNECT was sent (OpenVPN's DAF_INITIAL_AUTH). */
    private final java.util.Set<Long> initialAuth = new java.util.HashSet<>();

    private ServerSocketChannel server;
    private SelectionKey serverKey;
    private SocketAddress boundAddress;
    private Path createdSocketFile;
    private byte[] password;
    private long nextOpenAttemptNanos;
    private boolean openFailureLogged;
    private boolean closed;

    TunnelEndpoint(Tunnel tunnel, TunnelOperations.Management settings, ManagementCommands commands, ManagementClock clock,
            System.Logger log) {
        this.tunnel = tunnel;
        this.settings = settings;
        this.commands = commands;
        this.clock = clock;
        this.log = log;
        this.logPrefix = "[" + safeName(tunnel) + "] ";
    }

    private static String safeName(Tunnel t) {
        try {
            return t.name();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    Tunnel tunnel() {
        return tunnel;
    }

    StateTracker tracker() {
        return tracker;
    }

    /** Where the interface listens, or null while it is not open. */
    SocketAddress boundAddress() {
        return boundAddress;
    }

    List<ClientSession> clients() {
        return clients;
    }

    // --- listening socket ---

    /** Opens the listening socket if it is not open and a retry is due. Never throws. */
    void openIfDue(Selector selector) {
        if (closed || server != null || clock.nanoTime() - nextOpenAttemptNanos < 0) {
            return;
        }
        try {
            password = settings.passwordFile() != null ? readPassword(settings.passwordFile()) : null;
            ServerSocketChannel ch;
            if (settings.unixSocket() != null) {
                Path path = settings.unixSocket();
                removeStaleSocket(path);
                ch = bindPrivately(path, settings.clientGroup());
                createdSocketFile = path;
            } else {
                InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(settings.host()), settings.port());
                ch = ServerSocketChannel.open();
                try {
                    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    ch.bind(address, 8);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
            ch.configureBlocking(false);
            server = ch;
            boundAddress = settings.unixSocket() != null ? UnixDomainSocketAddress.of(settings.unixSocket()) : ch.getLocalAddress();
            warnIfReachableBeyondLoopback(boundAddress);
            serverKey = ch.register(selector, SelectionKey.OP_ACCEPT, this);
            openFailureLogged = false;
            log.log(System.Logger.Level.INFO, logPrefix + (settings.unixSocket() != null
                    ? "MANAGEMENT: unix domain socket listening on " + settings.unixSocket()
                    : "MANAGEMENT: TCP Socket listening on " + describe(boundAddress))
                    + (password != null ? " (password required)" : ""));
        } catch (IOException | RuntimeException e) {
            nextOpenAttemptNanos = clock.nanoTime() + TimeUnit.SECONDS.toNanos(RETRY_SECONDS);
            if (!openFailureLogged) {
                openFailureLogged = true;
                log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: cannot open the management interface on "
                        + settings + ": " + e.getMessage() + " (retrying every " + RETRY_SECONDS + " s)");
            }
        }
    }

    /** When this endpoint next needs the thread (an open retry, a bytecount line), as nanoTime; Long.MAX_VALUE for never. */
    long nextDeadline() {
        long next = server == null && !closed ? nextOpenAttemptNanos : Long.MAX_VALUE;
        for (ClientSession c : clients) {
            if (c.passwordVerified && c.bytecountIntervalNanos > 0) {
                next = Math.min(next, c.nextBytecountNanos);
            }
            if (!c.passwordVerified) {
                next = Math.min(next, authDeadline(c));
                if (c.isPaused()) {
                    next = Math.min(next, c.pausedUntilNanos());
                }
            }
        }
        return next;
    }

    /**
     * Binds a unix socket that only its owner may connect to (0600), or with {@code clientGroup} its
     * owner and that group's members (0660, the socket's group set to it). OpenVPN binds with umask
     * 0, so anyone may connect unless --management-client-user/group restrict who by the peer's
     * credentials; Culvert lets the file's mode decide, which the kernel checks on connect. The
     * socket is bound in a fresh owner-only directory, given its mode, then renamed into place: no
     * moment exists in which the process umask decides who may connect.
     */
    private static ServerSocketChannel bindPrivately(Path path, String clientGroup) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        Path dir = privateDirectory(parent);
        Path temporary = dir.resolve("s");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(temporary), 8);
            if (clientGroup != null) {
                GroupPrincipal group;
                try {
                    group = temporary.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(clientGroup);
                } catch (UserPrincipalNotFoundException e) {
                    throw new IOException("--management-client-group: no group named '" + clientGroup + "'", e);
                }
                Files.getFileAttributeView(temporary, PosixFileAttributeView.class).setGroup(group);
            }
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(
                    clientGroup != null ? GROUP_SOCKET_PERMISSIONS : SOCKET_PERMISSIONS));
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(temporary);
            throw e;
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /**
     * A fresh owner-only directory beside the socket, with a short name: a unix socket's path is limited
     * to 107 bytes, and the temporary path must fit wherever the final one does, within a few bytes.
     */
    private static Path privateDirectory(Path parent) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path dir = parent.resolve(".cm" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36));
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 16) {
                    throw e;
                }
            }
        }
    }

    /**
     * Culvert's own warning (OpenVPN 2.6 has none): the management protocol is cleartext, and a
     * wildcard or non-loopback address lets other hosts reach it.
     */
    private void warnIfReachableBeyondLoopback(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetAddress ip = ((InetSocketAddress) a).getAddress();
            if (ip != null && !ip.isLoopbackAddress()) {
                log.log(System.Logger.Level.WARNING, logPrefix + String.format(NON_LOOPBACK_WARNING, describe(a)));
            }
        }
    }

    /**
     * OpenVPN deletes whatever is at the socket path; Culvert deletes only a socket, so a mistyped
     * path never costs a file.
     */
    private static void removeStaleSocket(Path path) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attrs.isOther()) {
            throw new IOException(path + " exists and is not a socket; not replacing it");
        }
        Files.deleteIfExists(path);
    }

    /** The first line of the file, without its line end; the bytes are kept, never logged. */
    private static byte[] readPassword(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int end = 0;
        while (end < all.length && all[end] != '\n') {
            end++;
        }
        if (end > 0 && all[end - 1] == '\r') {
            end--;
        }
        byte[] first = Arrays.copyOf(all, end);
        Arrays.fill(all, (byte) 0);
        if (first.length == 0) {
            throw new IOException("the management password file " + file + " has an empty first line");
        }
        return first;
    }

    /** Accepts every pending connection. */
    void accept(Selector selector) {
        if (server == null) {
            return;
        }
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: accept failed: " + e.getMessage());
                return;
            }
            if (ch == null) {
                return;
            }
            String peer = peerOf(ch);
            if (verifiedClients() >= MAX_CLIENTS) {
                log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: client from " + peer + " refused: already "
                        + MAX_CLIENTS + " clients");
                closeQuietly(ch);
                continue;
            }
            String source = sourceOf(ch);
            if (password != null && clients.size() - verifiedClients() >= MAX_UNAUTHENTICATED) {
                makeRoomFor(source);
            }
            ClientSession client = new ClientSession(ch, peer, source, clock.nanoTime(), this);
            try {
                ch.configureBlocking(false);
                client.attach(ch.register(selector, SelectionKey.OP_READ, client));
            } catch (IOException | RuntimeException e) {
                client.close();
                continue;
            }
            clients.add(client);
            log.log(System.Logger.Level.DEBUG, logPrefix + "MANAGEMENT: Client connected from " + peer);
            if (password != null) {
                client.sendRaw(PASSWORD_PROMPT);
            } else {
                client.passwordVerified = true;
                welcome(client);
            }
        }
    }

    private int verifiedClients() {
        int n = 0;
        for (ClientSession c : clients) {
            if (c.passwordVerified) {
                n++;
            }
        }
        return n;
    }

    /** Closes the oldest client still to give the password, from the source with the most of them. */
    private void makeRoomFor(String newcomerSource) {
        java.util.Map<String, Integer> waiting = new java.util.HashMap<>();
        for (ClientSession c : clients) {
            if (!c.passwordVerified) {
                waiting.merge(c.source(), 1, Integer::sum);
            }
        }
        ClientSession victim = null;
        int most = 0;
        for (ClientSession c : clients) { // Oldest first: clients are kept in connection order.
            int n = c.passwordVerified ? 0 : waiting.get(c.source());
            if (n > most) {
                most = n;
                victim = c;
            }
        }
        if (victim != null) {
            log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: " + victim + " closed: " + MAX_UNAUTHENTICATED
                    + " clients are waiting to give the password and a new one (" + newcomerSource + ") came");
            closeClient(victim);
        }
    }

    private long authDeadline(ClientSession c) {
        return c.connectedNanos() + TimeUnit.SECONDS.toNanos(AUTH_TIMEOUT_SECONDS);
    }

    private static String sourceOf(SocketChannel ch) {
        try {
            SocketAddress a = ch.getRemoteAddress();
            if (a instanceof InetSocketAddress && ((InetSocketAddress) a).getAddress() != null) {
                return StateEntry.ipText(((InetSocketAddress) a).getAddress());
            }
        } catch (IOException e) {
            // Counted with the other clients whose address is unknown.
        }
        return "unix socket";
    }

    private void welcome(ClientSession client) {
        client.send(WELCOME);
        if (isHolding()) {
            client.send(holdLine());
        }
        String need = passwords.needLine();
        if (need != null) {
            client.send(need); // as OpenVPN repeats its special state message to a client that connects
        }
    }

    /** --management-query-passwords. */
    boolean queryPasswords() {
        return settings.queryPasswords();
    }

    ManagementPasswords passwords() {
        return passwords;
    }

    /** Sends {@code line} to every client that gave the management password. */
    void notifyClients(String line) {
        for (ClientSession c : clients) {
            if (c.passwordVerified) {
                c.send(line);
            }
        }
    }

    boolean isHolding() {
        try {
            return tunnel.isHolding();
        } catch (RuntimeException e) {
            return false;
        }
    }

    String holdLine() {
        return ">HOLD:Waiting for hold release:" + tracker.holdSeconds();
    }

    private static String peerOf(SocketChannel ch) {
        try {
            SocketAddress a = ch.getRemoteAddress();
            return a instanceof InetSocketAddress || a == null ? describe(a) : "unix socket";
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** OpenVPN's {@code print_sockaddr} style: {@code [AF_INET]127.0.0.1:7505}. */
    static String describe(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetSocketAddress isa = (InetSocketAddress) a;
            InetAddress ip = isa.getAddress();
            String family = ip instanceof java.net.Inet6Address ? "[AF_INET6]" : "[AF_INET]";
            return family + (ip != null ? StateEntry.ipText(ip) : isa.getHostString()) + ":" + isa.getPort();
        }
        return String.valueOf(a);
    }

    // --- client input ---

    @Override
    public boolean line(ClientSession client, byte[] bytes, int length, boolean overlong) {
        if (!client.passwordVerified) {
            return checkPassword(client, bytes, length);
        }
        String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
        if (client.clientAuthLines != null) {
            // Inside a client-auth block (OpenVPN's in_extra): configuration lines until END.
            if (overlong) {
                client.clientAuthOverflow = true;
            } else {
                ServerCommands.clientAuthLine(tunnel.server().orElse(null), client, text);
            }
            return true;
        }
        if (overlong) {
            // OpenVPN keeps only the tail of an over-long line and runs that; Culvert never runs a
            // line it had to cut: it answers with the parser's error for what it kept, or "unknown".
            CommandLineParser.Result r = CommandLineParser.parse(text);
            client.send(r.error != null ? r.error : ManagementCommands.UNKNOWN);
            return true;
        }
        return commands.execute(this, client, text);
    }

    @Override
    public void linesProcessed(ClientSession client) {
        if (!client.passwordVerified && !client.isClosed()) {
            client.sendRaw(PASSWORD_PROMPT);
        }
    }

    private boolean checkPassword(ClientSession client, byte[] bytes, int length) {
        long now = clock.nanoTime();
        long allowed = Math.max(client.nextPasswordNanos, throttle.nextAttemptNanos(client.source(), now));
        if (allowed - now > 0) {
            client.deferLine(allowed); // Checked once the delay after a wrong password is over.
            return false;
        }
        byte[] given = Arrays.copyOf(bytes, length);
        // Constant time in the length of what the client sent, whatever the real password is.
        boolean ok = password != null && MessageDigest.isEqual(given, password);
        Arrays.fill(given, (byte) 0);
        if (ok) {
            throttle.succeeded(client.source());
            if (verifiedClients() >= MAX_CLIENTS) {
                log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: " + client + " refused: already " + MAX_CLIENTS + " clients");
                client.close();
                return false;
            }
            client.passwordVerified = true;
            client.send("SUCCESS: password is correct");
            welcome(client);
            return true;
        }
        // OpenVPN prints "ERROR: bad password" while the client is not yet verified, which its
        // output filter drops: the client only sees the prompt again. Culvert sends the same.
        client.nextPasswordNanos = throttle.failed(client.source(), ++client.passwordTries, now);
        if (client.passwordTries >= PASSWORD_TRIES) {
            log.log(System.Logger.Level.WARNING, logPrefix + "MAN: client connection rejected after " + PASSWORD_TRIES
                    + " failed password attempts");
            client.close();
            return false;
        }
        return true;
    }

    // --- tunnel events ---

    /** Records a state the tunnel reported and tells the clients that asked ({@code state on}, hold). */
    void onStatus(TunnelStatus status) {
        TunnelStatus before = tracker.lastSeen();
        if (before != null && status.since().isBefore(before.since())) {
            return; // Older than the snapshot taken when this endpoint was made.
        }
        if (before == null && status.clientState() != null) {
            try {
                tracker.seed(tunnel.clientStates());
            } catch (RuntimeException e) {
                log.log(System.Logger.Level.WARNING, logPrefix + "cannot read the tunnel's state history", e);
            }
        }
        List<StateEntry> added = tracker.update(status, connectionOrNone());
        for (StateEntry e : added) {
            broadcastState(e);
        }
        boolean holdNow = status.state() == TunnelState.WAITING && status.reason() == TunnelReason.MANAGEMENT_HOLD;
        boolean holdBefore = before != null && before.state() == TunnelState.WAITING && before.reason() == TunnelReason.MANAGEMENT_HOLD;
        if (holdNow && !holdBefore) {
            String line = holdLine();
            for (ClientSession c : clients) {
                if (c.passwordVerified) {
                    c.send(line);
                }
            }
        }
    }

    private org.culvert.api.tunnel.TunnelConnection connectionOrNone() {
        try {
            return tunnel.connection();
        } catch (RuntimeException e) {
            return org.culvert.api.tunnel.TunnelConnection.NONE;
        }
    }

    private void broadcastState(StateEntry e) {
        String line = null;
        for (ClientSession c : clients) {
            if (c.passwordVerified && c.stateRealtime) {
                if (line == null) {
                    line = ">STATE:" + e.format();
                }
                c.send(line);
            }
        }
    }

    void onLog(TunnelLogEntry entry) {
        String line = null;
        for (ClientSession c : clients) {
            if (c.passwordVerified && c.logRealtime) {
                if (line == null) {
                    line = ">LOG:" + ManagementCommands.logLine(entry);
                }
                c.send(line);
            }
        }
    }

    /**
     * Sends the {@code >BYTECOUNT:} lines that are due.
     *
     * @return when the next one is due (nanoTime), or Long.MAX_VALUE
     */
    long tick(long now) {
        for (int i = clients.size() - 1; i >= 0; i--) {
            ClientSession c = clients.get(i);
            if (c.passwordVerified) {
                continue;
            }
            if (now - authDeadline(c) >= 0) {
                log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: " + c + " closed: no password within "
                        + AUTH_TIMEOUT_SECONDS + " s");
                closeClient(c);
            } else if (c.isPaused() && now - c.pausedUntilNanos() >= 0 && !c.resume(this)) {
                closeClient(c);
            }
        }
        long next = Long.MAX_VALUE;
        List<String> lines = null;
        for (ClientSession c : clients) {
            if (!c.passwordVerified || c.bytecountIntervalNanos <= 0) {
                continue;
            }
            if (now - c.nextBytecountNanos >= 0) {
                if (lines == null) {
                    lines = bytecountLines();
                }
                for (String line : lines) {
                    c.send(line);
                }
                // As OpenVPN's event_timeout: the next one an interval after this one was sent.
                c.nextBytecountNanos = now + c.bytecountIntervalNanos;
            }
            next = Math.min(next, c.nextBytecountNanos);
        }
        return next;
    }

    /**
     * OpenVPN's client form (manage.c man_bytecount_output_client): link bytes read, link bytes
     * written; a server's form instead (man_bytecount_output_server): one
     * {@code >BYTECOUNT_CLI:CID,in,out} per connected client, and no total.
     */
    private List<String> bytecountLines() {
        try {
            java.util.Optional<TunnelServer> server = tunnel.server();
            if (server.isPresent()) {
                List<String> lines = new ArrayList<>();
                for (ServerClient c : server.get().clients()) {
                    if (c.established()) {
                        lines.add(">BYTECOUNT_CLI:" + c.clientId() + "," + c.bytesReceived() + "," + c.bytesSent());
                    }
                }
                return lines;
            }
            TunnelCounters counters = tunnel.counters();
            return List.of(">BYTECOUNT:" + counters.linkReadBytes() + "," + counters.linkWriteBytes());
        } catch (RuntimeException e) {
            return List.of(">BYTECOUNT:0,0");
        }
    }

    /** A server's client event: its {@code >CLIENT:} lines ({@link ServerNotifications}) to every verified client. */
    void onClientEvent(ServerClientEvent event) {
        List<String> lines = ServerNotifications.lines(event, settings.clientAuth(), initialAuth, this::connectedClients);
        for (String line : lines) {
            notifyClients(line);
        }
    }

    private int connectedClients() {
        try {
            return tunnel.server().map(ServerCommands::establishedClients).orElse(0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Writes what every client has queued; closes the clients that are done or broken. */
    void flushAll() {
        for (int i = clients.size() - 1; i >= 0; i--) {
            ClientSession c = clients.get(i);
            if (!c.flush()) {
                if (c.hasPendingOutput()) {
                    log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: " + c
                            + " dropped: it left too much output unread or its socket failed");
                }
                closeClient(c);
            }
        }
    }

    /** A client whose socket is readable. */
    void read(ClientSession client, ByteBuffer scratch) {
        if (!client.onReadable(scratch, this)) {
            closeClient(client); // Gone, broken, or dropped after too many wrong passwords.
        }
    }

    void closeClient(ClientSession c) {
        c.close();
        if (clients.remove(c)) {
            log.log(System.Logger.Level.DEBUG, logPrefix + "MANAGEMENT: Client disconnected");
        }
    }

    /**
     * Closes the listening socket and every client, and removes the unix socket file this endpoint
     * made. With {@code tunnelGone}, clients that asked for states first get an {@code EXITING} line
     * if the tunnel did not report its stop itself. Idempotent; never throws.
     */
    void close(boolean tunnelGone) {
        if (closed) {
            return;
        }
        closed = true;
        if (tunnelGone) {
            StateEntry e = tracker.goneEntry(clock.now().getEpochSecond());
            if (e != null) {
                broadcastState(e);
            }
            for (ClientSession c : clients) {
                c.closeAfterFlush();
                c.flush(); // One non-blocking attempt: a client that does not read loses the rest.
            }
        }
        for (ClientSession c : new ArrayList<>(clients)) {
            closeClient(c);
        }
        if (serverKey != null) {
            serverKey.cancel();
        }
        if (server != null) {
            closeQuietly(server);
            server = null;
        }
        boundAddress = null;
        if (createdSocketFile != null) {
            try {
                Files.deleteIfExists(createdSocketFile);
            } catch (IOException e) {
                log.log(System.Logger.Level.WARNING, logPrefix + "MANAGEMENT: cannot delete " + createdSocketFile + ": " + e.getMessage());
            }
            createdSocketFile = null;
        }
        if (password != null) {
            Arrays.fill(password, (byte) 0);
            password = null;
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Best effort.
        }
    }
}
