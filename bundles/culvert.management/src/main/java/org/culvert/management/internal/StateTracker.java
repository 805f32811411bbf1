package org.culvert.management.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * Turns one tunnel's Culvert states into OpenVPN's state names and keeps the history that
 * {@code state all} shows (the last {@value #CAPACITY} entries, as OpenVPN's
 * MANAGEMENT_STATE_BUFFER_SIZE), from when the management component first saw the tunnel.
 *
 * <p>The sequences follow what OpenVPN 2.6 reports in point-to-point mode (init.c, tun.c, ssl.c,
 * sig.c {@code signal_restart_status}):
 * <ul>
 * <li>start: {@code CONNECTING}, then when traffic can flow {@code ASSIGN_IP} (when --ifconfig gave
 * addresses), {@code WAIT} and {@code AUTH} (TLS roles only), {@code CONNECTED,SUCCESS} with the tun
 * address and both link addresses;</li>
 * <li>restart: {@code RECONNECTING,<reason>} (ping-restart, SIGUSR1, SIGHUP, ...), then the same
 * steps as at start from {@code ASSIGN_IP} on;</li>
 * <li>stop: {@code EXITING,<reason>} (SIGTERM, ping-exit, inactive, ...).</li>
 * </ul>
 * Culvert reports fewer steps than OpenVPN, so ASSIGN_IP, WAIT and AUTH are reported together with
 * CONNECTED, at the moment the tunnel comes up; a tunnel first seen already up gets the whole
 * sequence from CONNECTING at that moment. A hold ({@code --management-hold}) adds no state, as
 * in OpenVPN; a Culvert wait for a missing plugin, which OpenVPN has no name for, shows as
 * {@code WAIT} with the reason as description.
 *
 * <p>Used on the management thread only.
 */
final class StateTracker {
    static final int CAPACITY = 100;

    private static final Pattern RESTART_IN = Pattern.compile("restart in ([0-9]+(?:\\.[0-9]+)?) s");
    /** The core's hold detail carries OpenVPN's own number. */
    private static final Pattern HOLD_DETAIL = Pattern.compile("Waiting for hold release:([0-9]+)");

    private final ArrayDeque<StateEntry> history = new ArrayDeque<>();
    private TunnelStatus lastSeen;
    private String lastName;
    private int restartPauseSeconds;
    private int holdSeconds;
    /**
     * The last signal a management client sent and no restart or stop has been named after yet: it
     * names the next USER_RESTART or USER_STOP as OpenVPN names it.
     */
    private String lastSignal;

    /**
     * Records {@code status} (the tunnel's current one) and returns the entries it adds, oldest first;
     * empty when it adds none (a repeat, a hold).
     */
    List<StateEntry> update(TunnelStatus status, TunnelConnection connection) {
        List<StateEntry> added = new ArrayList<>(4);
        TunnelStatus previous = lastSeen;
        if (previous != null && previous.state() == status.state() && previous.reason() == status.reason()
                && previous.since().equals(status.since())) {
            return added;
        }
        lastSeen = status;
        long time = status.since().getEpochSecond();
        TunnelConnection c = connection == null ? TunnelConnection.NONE : connection;
        switch (status.state()) {
            case STARTING:
            case CONNECTING:
                if (lastName == null || !(lastName.equals("CONNECTING") || lastName.equals("RECONNECTING"))) {
                    add(added, new StateEntry(time, "CONNECTING", "", null, null, null, null));
                }
                break;
            case WAITING:
                if (status.reason() == TunnelReason.MANAGEMENT_HOLD) {
                    Matcher m = HOLD_DETAIL.matcher(status.detail());
                    holdSeconds = m.find() ? Integer.parseInt(m.group(1)) : "RECONNECTING".equals(lastName) ? restartPauseSeconds : 0;
                    if (lastName == null) {
                        add(added, new StateEntry(time, "CONNECTING", "", null, null, null, null));
                    }
                } else {
                    add(added, new StateEntry(time, "WAIT", description(status), null, null, null, null));
                }
                break;
            case UP:
                if (lastName == null) {
                    // First seen already up (a fast start, or this bundle started late): the history
                    // begins as OpenVPN's would for the same start, all at the time it came up.
                    add(added, new StateEntry(time, "CONNECTING", "", null, null, null, null));
                }
                if (c.tunLocalIpv4() != null || c.tunLocalIpv6() != null) {
                    add(added, new StateEntry(time, "ASSIGN_IP", "", c.tunLocalIpv4(), null, null, c.tunLocalIpv6()));
                }
                if (c.role().startsWith("tls")) {
                    add(added, new StateEntry(time, "WAIT", "", null, null, null, null));
                    add(added, new StateEntry(time, "AUTH", "", null, null, null, null));
                }
                add(added, connected(time, c));
                break;
            case RECONNECTING:
                restartPauseSeconds = restartPause(status.detail());
                add(added, new StateEntry(time, "RECONNECTING", description(status), null, null, null, null));
                lastSignal = null;
                break;
            case STOPPING:
            case STOPPED:
            case FAILED:
                if (!"EXITING".equals(lastName)) {
                    add(added, new StateEntry(time, "EXITING", description(status), null, null, null, null));
                    lastSignal = null;
                }
                break;
            default:
                break;
        }
        return added;
    }

    /**
     * The EXITING entry for a tunnel that went away without saying it stopped (its service was
     * unregistered), or null if the history already ends with one.
     */
    StateEntry goneEntry(long epochSeconds) {
        if ("EXITING".equals(lastName)) {
            return null;
        }
        StateEntry e = new StateEntry(epochSeconds, "EXITING", lastSignal != null && lastSignal.equals("SIGINT") ? "SIGINT" : "SIGTERM",
                null, null, null, null);
        add(new ArrayList<>(1), e);
        return e;
    }

    private static StateEntry connected(long time, TunnelConnection c) {
        return new StateEntry(time, "CONNECTED", "SUCCESS", c.tunLocalIpv4(), c.linkRemote(), c.linkLocal(), c.tunLocalIpv6());
    }

    private void add(List<StateEntry> added, StateEntry e) {
        if (history.size() == CAPACITY) {
            history.removeFirst();
        }
        history.addLast(e);
        lastName = e.name;
        added.add(e);
    }

    /** The newest {@code n} entries, oldest first. */
    List<StateEntry> last(int n) {
        int skip = Math.max(0, history.size() - n);
        List<StateEntry> out = new ArrayList<>(Math.min(n, history.size()));
        Iterator<StateEntry> it = history.iterator();
        for (int i = 0; it.hasNext(); i++) {
            StateEntry e = it.next();
            if (i >= skip) {
                out.add(e);
            }
        }
        return out;
    }

    int size() {
        return history.size();
    }

    /** The last status this tracker recorded, or null. */
    TunnelStatus lastSeen() {
        return lastSeen;
    }

    /**
     * The N of {@code >HOLD:Waiting for hold release:N} for the last hold: how long OpenVPN would have
     * paused before this (re)connection without a hold: 0 at start, the restart pause after a restart.
     * The core says it in the hold's detail; without it, the pause of the last restart is used.
     */
    int holdSeconds() {
        return holdSeconds;
    }

    void signalSent(String signalName) {
        lastSignal = signalName;
    }

    /** OpenVPN's signal text for a Culvert reason (sig.c and the register_signal calls across OpenVPN). */
    private String description(TunnelStatus status) {
        TunnelReason reason = status.reason();
        switch (reason) {
            case NONE:
                return status.state() == TunnelState.RECONNECTING ? signalOr("SIGUSR1") : "";
            case PING_RESTART:
                return "ping-restart";
            case PING_EXIT:
                return "ping-exit";
            case INACTIVITY:
                return "inactive";
            case PEER_EXIT:
                return "remote-exit";
            case HANDSHAKE_FAILED:
                return "tls-error";
            case PUSH_FAILED:
                return "process-push-msg-failed";
            case SERVER_RESTART:
                return "server-pushed-connection-reset";
            case SERVER_HALT:
                return "server-pushed-halt";
            case DECRYPT_ERROR:
                return "decryption-error";
            case LINK_ERROR:
                return status.detail().startsWith("CONNECTION_RESET") ? "connection-reset" : "link-error";
            case USER_STOP:
                return "SIGINT".equals(lastSignal) ? "SIGINT" : "SIGTERM";
            case USER_RESTART:
                if (status.detail().contains("SIGHUP")) {
                    return "SIGHUP";
                }
                if (status.detail().contains("SIGUSR1")) {
                    return "SIGUSR1";
                }
                return signalOr("SIGUSR1");
            default:
                return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private String signalOr(String fallback) {
        return "SIGHUP".equals(lastSignal) || "SIGUSR1".equals(lastSignal) ? lastSignal : fallback;
    }

    private static int restartPause(String detail) {
        Matcher m = RESTART_IN.matcher(detail);
        if (!m.find()) {
            return 0;
        }
        return (int) Math.ceil(Double.parseDouble(m.group(1)));
    }
}
