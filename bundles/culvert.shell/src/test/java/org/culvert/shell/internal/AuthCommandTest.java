package org.culvert.shell.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.felix.service.command.CommandSession;
import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.junit.jupiter.api.Test;

/** tunnel:auth answers a tunnel's pending credentials request, asking the password (and a challenge) on the keyboard. */
class AuthCommandTest {
    private final TunnelCommands commands = new TunnelCommands();
    private CredentialsRequest pending;
    private String givenUser;
    private char[] givenPassword;
    private char[] givenResponse;
    private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

    private CredentialsRequest request(boolean challenge) {
        return (CredentialsRequest) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { CredentialsRequest.class },
                (p, m, a) -> {
                    switch (m.getName()) {
                        case "needsUsername":
                        case "needsPassword":
                            return true;
                        case "challenge":
                            return challenge ? Optional.of("Enter OTP") : Optional.empty();
                        case "echoResponse":
                        case "dynamicChallenge":
                            return false;
                        case "supply":
                            if (a[0] == null || ((String) a[0]).isEmpty() || a[1] == null) {
                                return false;
                            }
                            givenUser = (String) a[0];
                            givenPassword = ((char[]) a[1]).clone();
                            givenResponse = a[2] == null ? null : ((char[]) a[2]).clone();
                            return true;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }

    private void wire() throws Exception {
        Tunnel tunnel = (Tunnel) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Tunnel.class }, (p, m, a) -> {
            switch (m.getName()) {
                case "name":
                    return "office";
                case "pendingCredentials":
                    return Optional.ofNullable(pending);
                case "status":
                    return new TunnelStatus(TunnelState.UP, TunnelReason.NONE, "", java.time.Instant.EPOCH);
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
        TunnelManager manager = (TunnelManager) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { TunnelManager.class },
                (p, m, a) -> {
                    if (m.getName().equals("get")) {
                        return "office".equals(a[0]) ? Optional.of(tunnel) : Optional.empty();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Field f = TunnelCommands.class.getDeclaredField("manager");
        f.setAccessible(true);
        f.set(commands, manager);
    }

    private CommandSession session(String typed) {
        ByteArrayInputStream keyboard = new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8));
        PrintStream console = new PrintStream(shown, true, StandardCharsets.UTF_8);
        return (CommandSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { CommandSession.class },
                (p, m, a) -> {
                    switch (m.getName()) {
                        case "getKeyboard":
                            return keyboard;
                        case "getConsole":
                            return console;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }

    @Test
    void asksThePasswordAndGivesTheCredentials() throws Exception {
        wire();
        pending = request(false);
        String out = commands.auth(session("s3cret\r\n"), "office", "alice");
        assertTrue(out.contains("credentials given"), out);
        assertEquals("alice", givenUser);
        assertArrayEquals("s3cret".toCharArray(), givenPassword);
        assertNull(givenResponse);
        assertEquals("Enter Auth Password: ", shown.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStaticChallengeIsAskedAfterThePassword() throws Exception {
        wire();
        pending = request(true);
        commands.auth(session("123456\n"), "office", "alice", "pw");
        assertArrayEquals("pw".toCharArray(), givenPassword);
        assertArrayEquals("123456".toCharArray(), givenResponse);
        assertEquals("Enter OTP ", shown.toString(StandardCharsets.UTF_8));
    }

    @Test
    void refusalsAreOneLine() throws Exception {
        wire();
        IllegalArgumentException notWaiting = assertThrows(IllegalArgumentException.class,
                () -> commands.auth(session(""), "office", "alice", "pw"));
        assertTrue(notWaiting.getMessage().contains("is not waiting for credentials"), notWaiting.getMessage());
        pending = request(false);
        IllegalArgumentException noInput = assertThrows(IllegalArgumentException.class, () -> commands.auth(session(""), "office", "alice"));
        assertTrue(noInput.getMessage().contains("not taken"), noInput.getMessage());
        assertThrows(IllegalArgumentException.class, () -> commands.auth(session("pw\n"), "nosuch", "alice"));
    }
}
