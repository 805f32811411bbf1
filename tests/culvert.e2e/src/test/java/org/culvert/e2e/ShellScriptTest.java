package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * README's shell, as a newcomer runs it: {@code distribution/bin/culvert-shell} on the built
 * distribution. {@code help tunnel} describes Culvert's commands; Felix's unqualified {@code stop}
 * and {@code start} stay Felix's (bundle commands), Culvert's are {@code tunnel:...}.
 */
class ShellScriptTest {
    private static final long TIMEOUT_SECONDS = 60;

    @BeforeAll
    static void built() {
        E2eEnv.requireCulvert();
        if (!Files.isRegularFile(E2eEnv.root().resolve("distribution/target/culvert.jar"))) {
            fail("distribution/target/culvert.jar is missing: build the distribution first");
        }
    }

    /** Runs culvert-shell with one -c per command; returns its output (stdout and stderr). */
    private static String shell(String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(E2eEnv.root().resolve("distribution/bin/culvert-shell").toString());
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        Path out = Files.createTempFile("culvert-shell", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                fail("culvert-shell " + commands[0] + " did not end within " + TIMEOUT_SECONDS + " s: " + Files.readString(out));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void helpTunnelDescribesTheTunnelCommands() throws Exception {
        String help = shell("help tunnel");
        assertFalse(help.contains("No methods found"), help);
        for (String f : List.of("start", "stop", "list", "status", "restart", "signal", "hold", "log", "plugins", "clients", "kill")) {
            assertTrue(help.contains("tunnel:" + f), "help tunnel does not name tunnel:" + f + ":\n" + help);
        }
        String overview = shell("tunnel");
        assertTrue(overview.contains("tunnel:stop     Stop a tunnel"), overview);
    }

    @Test
    void serverClientCommandsResolveInGogoAndNameAMissingTunnel() throws Exception {
        String out = shell("tunnel:clients nosuch", "tunnel:kill nosuch 3", "tunnel:kill -m HALT nosuch 4", "echo done");
        assertEquals(3, out.split("no tunnel named 'nosuch'", -1).length - 1, out);
        assertFalse(out.contains("No matching") || out.contains("No methods"), out);
        assertTrue(out.contains("done"), out);
    }

    @Test
    void unqualifiedStopAndStartAreFelixsAndTunnelCommandsStayQualified() throws Exception {
        // Felix's 'stop 0' shuts the framework down (the shell() helper checks that the process ends with
        // status 0). Felix stops the framework on a thread of its own, so a command right after it may
        // still run: only that it was Felix's stop, not tunnel:stop, is asserted.
        String stopped = shell("stop 0", "echo after-stop");
        assertFalse(stopped.contains("no tunnel named"), stopped);
        // Felix's 'start 1' starts (the already active) bundle 1 silently; tunnel:start would ask for a file.
        String started = shell("start 1", "echo next");
        assertFalse(started.toLowerCase().contains("tunnel"), started);
        assertTrue(started.contains("next"), started);
        // Culvert's commands answer under their scope; an error does not stop the script.
        String qualified = shell("tunnel:stop 0", "tunnel:list");
        assertTrue(qualified.contains("no tunnel named '0'"), qualified);
        assertTrue(qualified.contains("no tunnels"), qualified);
    }

    @Test
    void theInteractiveShellsStopZeroShutsDownFelix() throws Exception {
        Path out = Files.createTempFile("culvert-shell", ".out");
        Process p = new ProcessBuilder(E2eEnv.root().resolve("distribution/bin/culvert-shell").toString()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            // The prompt comes once the profile ran; poll the output for it.
            while (!Files.readString(out).contains("g! ")) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    fail("no prompt from the interactive shell: " + Files.readString(out));
                }
                p.waitFor(100, TimeUnit.MILLISECONDS);
            }
            p.getOutputStream().write("stop 0\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("'stop 0' did not shut the framework down: " + Files.readString(out));
            }
            String text = Files.readString(out);
            assertFalse(text.contains("no tunnel named"), text);
            assertTrue(text.contains("help tunnel"), "Culvert's profile was not read: " + text);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }
}
