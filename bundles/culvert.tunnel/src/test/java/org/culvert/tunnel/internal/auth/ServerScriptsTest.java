package org.culvert.tunnel.internal.auth;

import static org.culvert.tunnel.internal.auth.Scripts.script;
import static org.culvert.tunnel.internal.auth.Scripts.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's scripts run with OpenVPN's arguments, environment and exit-status rules: accepted and
 * refused, missing, hanging past the bound, under too low a script-security; and no password where it
 * must not be.
 */
class ServerScriptsTest {
    private static final String SECRET = "s3cr3t-Pa55";
    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private ScriptEnv env() {
        return new ScriptEnv(Map.of("script_context", "init", "config", "server.conf"))
                .untrusted(new InetSocketAddress("192.0.2.10", 51234)).put("common_name", "client1");
    }

    /** A user/pass script that records its file's mode and contents, its path and its environment. */
    private String recordingUserPass(String exit) throws Exception {
        Path rec = dir.resolve("rec");
        return script(dir, "upv.sh", "stat -c %a \"$1\" > " + rec + ".mode; cat \"$1\" > " + rec + ".file; echo \"$1\" > "
                + rec + ".path; env > " + rec + ".env; echo \"$#\" > " + rec + ".argc; " + exit).toString();
    }

    @Test
    void viaFileGivesOwnerOnlyTwoLineFileThatIsDeletedAndNoPasswordInTheEnvironment() throws Exception {
        Scripts.RecordingLog log = new Scripts.RecordingLog();
        ServerScripts s = new ServerScripts(settings(recordingUserPass("exit 0"), true, null, null, null, 2, dir, BOUND), log);
        ScriptOutcome o = s.userPassVerify(env(), "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.ACCEPTED, o.reason(), o.detail());
        assertEquals("600", Files.readString(dir.resolve("rec.mode")).strip());
        assertEquals("alice\n" + SECRET + "\n", Files.readString(dir.resolve("rec.file")));
        assertEquals("1", Files.readString(dir.resolve("rec.argc")).strip());
        Path file = Path.of(Files.readString(dir.resolve("rec.path")).strip());
        assertTrue(file.startsWith(dir), "in --tmp-dir");
        assertFalse(Files.exists(file), "deleted after the script");
        String envText = Files.readString(dir.resolve("rec.env"));
        assertTrue(envText.contains("script_type=user-pass-verify\n"), envText);
        assertTrue(envText.contains("untrusted_ip=192.0.2.10\n"));
        assertTrue(envText.contains("untrusted_port=51234\n"));
        assertTrue(envText.contains("common_name=client1\n"));
        assertTrue(envText.contains("script_context=init\n"));
        assertTrue(envText.contains("auth_failed_reason_file="));
        assertFalse(envText.contains(SECRET), "via-file: no password in the environment");
        assertFalse(envText.contains("password="));
        assertFalse(log.all().contains(SECRET));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("openvpn_")), "no temporary file left");
        }
    }

    @Test
    void refusalCarriesTheClientReasonFromAuthFailedReasonFile() throws Exception {
        String cmd = script(dir, "deny.sh", "echo 'Password expired, renew it' > \"$auth_failed_reason_file\"; exit 1").toString();
        ServerScripts s = new ServerScripts(settings(cmd, true, null, null, null, 2, dir, BOUND), AuthLog.NONE);
        ScriptOutcome o = s.userPassVerify(env(), "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.REFUSED, o.reason());
        assertFalse(o.accepted());
        assertEquals("Password expired, renew it", o.clientReason());
        String plain = script(dir, "deny2.sh", "exit 7").toString();
        ScriptOutcome p = new ServerScripts(settings(plain, true, null, null, null, 2, dir, BOUND), AuthLog.NONE)
                .userPassVerify(env(), "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.REFUSED, p.reason());
        assertTrue(p.detail().startsWith("exit status 7"), p.detail());
        assertNull(p.clientReason());
    }

    @Test
    void viaEnvPassesThePasswordOnlyAtScriptSecurity3() throws Exception {
        String cmd = recordingUserPass("exit 0");
        ServerScripts three = new ServerScripts(settings(cmd, false, null, null, null, 3, dir, BOUND), AuthLog.NONE);
        assertEquals(ScriptOutcome.Reason.ACCEPTED, three.userPassVerify(env(), "alice", SECRET.toCharArray()).reason());
        String env3 = Files.readString(dir.resolve("rec.env"));
        assertTrue(env3.contains("username=alice\n"));
        assertTrue(env3.contains("password=" + SECRET + "\n"));
        assertEquals("0", Files.readString(dir.resolve("rec.argc")).strip(), "via-env: no file argument");
        ServerScripts two = new ServerScripts(settings(cmd, false, null, null, null, 2, dir, BOUND), AuthLog.NONE);
        assertEquals(ScriptOutcome.Reason.ACCEPTED, two.userPassVerify(env(), "alice", SECRET.toCharArray()).reason());
        String env2 = Files.readString(dir.resolve("rec.env"));
        assertTrue(env2.contains("username=alice\n"));
        assertFalse(env2.contains(SECRET), "script-security 2: OpenVPN's env_allowed drops password");
        assertEquals(1, settings(cmd, false, null, null, null, 2, dir, BOUND).warnings().size());
        assertTrue(settings(cmd, true, null, null, null, 2, dir, BOUND).warnings().isEmpty());
    }

    @Test
    void deferredMissingAndScriptSecurity1AreRefusalsWithTheirReasons() throws Exception {
        String missing = dir.resolve("no-such-script").toString();
        ScriptOutcome m = new ServerScripts(settings(missing, true, null, null, null, 2, dir, BOUND), AuthLog.NONE)
                .userPassVerify(env(), "a", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.NOT_FOUND, m.reason(), m.detail());
        Path marker = dir.resolve("ran");
        String cmd = script(dir, "ok.sh", "touch " + marker + "; exit 0").toString();
        Scripts.RecordingLog log = new Scripts.RecordingLog();
        ServerAuthSettings one = settings(cmd, true, cmd, cmd, cmd, 1, dir, BOUND);
        ServerScripts s = new ServerScripts(one, log);
        assertEquals(ScriptOutcome.Reason.SCRIPT_SECURITY, s.userPassVerify(env(), "a", SECRET.toCharArray()).reason());
        assertEquals(ScriptOutcome.Reason.SCRIPT_SECURITY, s.clientConnect(env()).reason());
        assertFalse(Files.exists(marker), "nothing ran");
        assertTrue(log.all().contains("External program may not be called unless '--script-security 2'"), log.all());
        assertEquals(4, one.problems().size(), one.problems().toString());
        assertTrue(settings(cmd, true, cmd, cmd, cmd, 2, dir, BOUND).problems().isEmpty());
        assertEquals(ScriptOutcome.Reason.NOT_CONFIGURED, new ServerScripts(ServerAuthSettings.none(), AuthLog.NONE)
                .clientConnect(env()).reason());
    }

    @Test
    void deferredAuthIsDecidedLaterThroughTheControlFile() throws Exception {
        Path saved = dir.resolve("saved");
        // The script keeps the file names for "later" and defers.
        String cmd = script(dir, "defer.sh", "echo \"$auth_control_file\" > " + saved + "; echo \"$auth_failed_reason_file\" >> "
                + saved + "; exit 2").toString();
        ServerScripts s = new ServerScripts(settings(cmd, true, null, null, null, 2, dir, BOUND), AuthLog.NONE);
        ScriptOutcome o = s.userPassVerify(env(), "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.DEFERRED, o.reason(), o.detail());
        assertFalse(o.accepted());
        DeferredAuth d = o.deferred();
        assertTrue(d.pendingRequest().isEmpty());
        assertEquals(DeferredAuth.Status.PENDING, d.poll());
        List<String> names = Files.readAllLines(saved);
        Path control = Path.of(names.get(0));
        Files.writeString(control, "x");
        assertEquals(DeferredAuth.Status.PENDING, d.poll(), "only 1 or 0 decide");
        Files.writeString(Path.of(names.get(1)), "Ask the helpdesk\n");
        Files.writeString(control, "0");
        assertEquals(DeferredAuth.Status.REFUSED, d.poll());
        Files.writeString(control, "1");
        assertEquals(DeferredAuth.Status.REFUSED, d.poll(), "the first verdict stays");
        assertEquals("Ask the helpdesk", d.clientReason());
        d.close();
        d.close();
        assertFalse(Files.exists(control), "closed: the files are gone");

        ScriptOutcome accepted = s.userPassVerify(env(), "alice", SECRET.toCharArray());
        Files.writeString(Path.of(Files.readAllLines(saved).get(0)), "1\n");
        assertEquals(DeferredAuth.Status.ACCEPTED, accepted.deferred().poll());
        accepted.deferred().close();
    }

    @Test
    void authPendingFileIsCheckedAgainstTheClientsIvSso() throws Exception {
        String cmd = script(dir, "pending.sh", "printf '120\\nwebauth\\nWEB_AUTH::https://sso.example/x\\n' > \"$auth_pending_file\"; exit 2").toString();
        ServerScripts s = new ServerScripts(settings(cmd, true, null, null, null, 2, dir, BOUND), AuthLog.NONE);
        ScriptEnv sso = env();
        sso.peerInfo("IV_VER=2.6.14\nIV_SSO=openurl,webauth,crtext\n");
        ScriptOutcome o = s.userPassVerify(sso, "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.DEFERRED, o.reason(), o.detail());
        assertEquals(new DeferredAuth.PendingRequest(120, "webauth", "WEB_AUTH::https://sso.example/x"),
                o.deferred().pendingRequest().orElseThrow());
        o.deferred().close();
        ScriptOutcome unsupported = s.userPassVerify(env(), "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.REFUSED, unsupported.reason());
        assertEquals("Authentication failed, required pending auth method 'webauth' not supported", unsupported.clientReason());
        String bad = script(dir, "bad.sh", "printf 'soon\\nwebauth\\nx\\n' > \"$auth_pending_file\"; exit 2").toString();
        ScriptOutcome badTimeout = new ServerScripts(settings(bad, true, null, null, null, 2, dir, BOUND), AuthLog.NONE)
                .userPassVerify(sso, "alice", SECRET.toCharArray());
        assertEquals(ScriptOutcome.Reason.REFUSED, badTimeout.reason());
        String shortFile = script(dir, "short.sh", "printf '60\\nwebauth\\n' > \"$auth_pending_file\"; exit 2").toString();
        assertEquals(ScriptOutcome.Reason.REFUSED, new ServerScripts(settings(shortFile, true, null, null, null, 2, dir,
                BOUND), AuthLog.NONE).userPassVerify(sso, "alice", SECRET.toCharArray()).reason());
        String twenty = script(dir, "twenty.sh", "exit 20").toString();
        assertEquals(ScriptOutcome.Reason.REFUSED, new ServerScripts(settings(twenty, true, null, null, null, 2, dir,
                BOUND), AuthLog.NONE).userPassVerify(sso, "alice", SECRET.toCharArray()).reason(), "20 is not 2");
    }

    @Test
    void aHangingScriptIsKilledAtItsBoundAndDoesNotHoldUpOtherClients() throws Exception {
        Path pidFile = dir.resolve("hang.pid");
        String hang = script(dir, "hang.sh", "echo $$ > " + pidFile + "; exec sleep 60").toString();
        String quick = script(dir, "quick.sh", "exit 0").toString();
        ServerScripts slow = new ServerScripts(settings(hang, true, null, null, null, 2, dir, Duration.ofMillis(700)), AuthLog.NONE);
        ServerScripts fast = new ServerScripts(settings(quick, true, null, null, null, 2, dir, BOUND), AuthLog.NONE);
        try (AuthWorkers workers = new AuthWorkers("test", 2)) {
            long start = System.nanoTime();
            CompletableFuture<ScriptOutcome> hanging = workers.submit(() -> slow.userPassVerify(env(), "a", SECRET.toCharArray()));
            CompletableFuture<ScriptOutcome> other = workers.submit(() -> fast.userPassVerify(env(), "b", SECRET.toCharArray()));
            assertEquals(ScriptOutcome.Reason.ACCEPTED, other.get(10, TimeUnit.SECONDS).reason());
            assertFalse(hanging.isDone(), "the other client was answered while the script hangs");
            ScriptOutcome h = hanging.get(20, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(ScriptOutcome.Reason.TIMED_OUT, h.reason());
            assertTrue(ms < 15_000, ms + " ms");
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the script process is gone");
        }
    }

    @Test
    void clientConnectReturnsTheLinesItsScriptWroteWithOpenVpnsEnvironment() throws Exception {
        Path rec = dir.resolve("cc.env");
        String cmd = script(dir, "cc.sh", "env > " + rec + "; [ \"$1\" = \"$client_connect_config_file\" ] || exit 9\n"
                + "printf 'push \"route 10.9.0.0 255.255.255.0\"\\n# a comment\\n\\nifconfig-push 10.8.0.50 255.255.255.0\\niroute 192.168.5.0 255.255.255.0\\n' > \"$1\"").toString();
        ServerScripts s = new ServerScripts(settings(null, true, cmd, null, null, 2, dir, BOUND), AuthLog.NONE);
        ScriptEnv env = env().trusted(new InetSocketAddress("192.0.2.10", 51234))
                .virtualAddresses("10.8.0.6", "255.255.255.0", null, "2001:db8::1000", "2001:db8::1", 64)
                .created(Instant.ofEpochSecond(1_765_000_000L), ZoneOffset.UTC).put("username", "alice");
        ScriptOutcome o = s.clientConnect(env);
        assertEquals(ScriptOutcome.Reason.ACCEPTED, o.reason(), o.detail());
        assertEquals(List.of("push \"route 10.9.0.0 255.255.255.0\"", "ifconfig-push 10.8.0.50 255.255.255.0",
                "iroute 192.168.5.0 255.255.255.0"), o.configLines());
        String e = Files.readString(rec);
        for (String line : new String[] {"script_type=client-connect", "trusted_ip=192.0.2.10", "trusted_port=51234",
            "ifconfig_pool_remote_ip=10.8.0.6", "ifconfig_pool_netmask=255.255.255.0", "ifconfig_pool_remote_ip6=2001:db8::1000",
            "ifconfig_pool_local_ip6=2001:db8::1", "ifconfig_pool_ip6_netbits=64", "time_unix=1765000000",
            "time_ascii=2025-12-06 05:46:40", "common_name=client1", "username=alice"}) {
            assertTrue(e.contains(line + "\n"), line + " in\n" + e);
        }
        assertFalse(e.contains("password"));
        String refuse = script(dir, "ccno.sh", "echo 'disable' > \"$1\"; exit 1").toString();
        ScriptOutcome r = new ServerScripts(settings(null, true, refuse, null, null, 2, dir, BOUND), AuthLog.NONE).clientConnect(env);
        assertEquals(ScriptOutcome.Reason.REFUSED, r.reason());
        assertTrue(r.configLines().isEmpty());
        String defer = script(dir, "ccdefer.sh", "echo 2 > \"$client_connect_deferred_file\"").toString();
        assertEquals(ScriptOutcome.Reason.DEFERRED_UNSUPPORTED, new ServerScripts(settings(null, true, defer, null, null, 2,
                dir, BOUND), AuthLog.NONE).clientConnect(env).reason());
    }

    @Test
    void clientDisconnectGetsBytesAndDuration() throws Exception {
        Path rec = dir.resolve("cd.env");
        String cmd = script(dir, "cd.sh", "env > " + rec + "; exit 3").toString();
        Scripts.RecordingLog log = new Scripts.RecordingLog();
        ServerScripts s = new ServerScripts(settings(null, true, null, cmd, null, 2, dir, BOUND), log);
        ScriptOutcome o = s.clientDisconnect(env().trusted(new InetSocketAddress("2001:db8::7", 1194)), 4711, 2342, 95);
        assertEquals(ScriptOutcome.Reason.REFUSED, o.reason(), "the status is reported, and logged");
        assertTrue(log.all().contains("--client-disconnect script"), log.all());
        String e = Files.readString(rec);
        for (String line : new String[] {"script_type=client-disconnect", "bytes_received=4711", "bytes_sent=2342",
            "time_duration=95", "trusted_ip6=2001:db8::7", "trusted_port=1194"}) {
            assertTrue(e.contains(line + "\n"), line + " in\n" + e);
        }
    }

    @Test
    void tlsCryptV2VerifyGetsTheMetadataWithoutItsTypeByte() throws Exception {
        Path copy = dir.resolve("meta.copy");
        String ok = script(dir, "tc.sh", "[ \"$script_type\" = tls-crypt-v2-verify ] || exit 5; [ \"$metadata_type\" = 0 ] || exit 6;"
                + " cp \"$metadata_file\" " + copy + "; grep -q allowed \"$metadata_file\"").toString();
        ServerScripts s = new ServerScripts(settings(null, true, null, null, ok, 2, dir, BOUND), AuthLog.NONE);
        byte[] meta = "user allowed".getBytes(StandardCharsets.US_ASCII);
        assertEquals(ScriptOutcome.Reason.ACCEPTED, s.tlsCryptV2Verify(env(), 0, meta).reason());
        assertEquals("user allowed", Files.readString(copy));
        assertEquals(ScriptOutcome.Reason.REFUSED, s.tlsCryptV2Verify(env(), 0, "user banned".getBytes(StandardCharsets.US_ASCII)).reason());
        ScriptOutcome timestamp = s.tlsCryptV2Verify(env(), 1, new byte[8]);
        assertEquals(ScriptOutcome.Reason.REFUSED, timestamp.reason());
        assertTrue(timestamp.detail().startsWith("exit status 6"), timestamp.detail());
    }
}
