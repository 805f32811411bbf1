package org.culvert.management.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * Keeps the history of OpenVPN's states that {@code state all} shows for one tunnel (the last
 * {@value #CAPACITY} entries, as OpenVPN's MANAGEMENT_STATE_BUFFER_SIZE).
 *
 * <p>The core reports OpenVPN's client states itself ({@link TunnelStatus#clientState()}, at the
 * moments OpenVPN sets them); the history then starts with the tunnel's own
 * ({@link Tunnel#clientStates()}, see {@link #seed}) and each new step becomes one line. Two things
 * are added here: a management client's SIGINT names the stop it caused (the core knows only SIGTERM), and a
 * Culvert wait for a missing plugin, which OpenVPN has no name for, shows as {@code WAIT} with the
 * reason as description.
 *
 * <p>A tunnel that does not report client states (a test double, another implementation) gets them
 * derived from its Culvert states, as OpenVPN 2.6 reports them in point-to-point mode (init.c, tun.c,
 * ssl.c, sig.c {@code signal_restart_status}):
 * <ul>
 * <li>start: {@code CONNECTING}, then when traffic can flow {@code ASSIGN_IP} (when --ifconfig gave
 * addresses), {@code WAIT} and {@code AUTH} (TLS roles only), {@code CONNECTED,SUCCESS} with the tun
 * address and both link addresses;</li>
 * <li>restart: {@code RECONNECTING,<reason>} (ping-restart, SIGUSR1, SIGHUP, ...), then the same
 * steps as at start from {@code ASSIGN_IP} on;</li>
 * <li>stop: {@code EXITING,<reason>} (SIGTERM, ping-exit, inactive, ...).</li>
 * </ul>
 * Such a tunnel reports fewer steps than OpenVPN, so ASSIGN_IP, WAIT and AUTH are reported together
 * with CONNECTED, at the moment the tunnel comes up; a tunnel first seen already up gets the whole
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
    /** The last client state recorded, and those taken from the tunnel's own history (by identity). */
    private ClientStatus lastClient;
    private final Set<ClientStatus> seeded = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Starts the history with the tunnel's own client states (those before management saw it), so that
     * {@code state all} shows them as OpenVPN's would; events already among them add nothing later.
     */
    void seed(List<ClientStatus> tunnelHistory) {
        for (ClientStatus c : tunnelHistory) {
            if (seeded.add(c)) {
                add(new ArrayList<>(1), entry(c));
                lastClient = c;
            }
        }
    }

    /** Records a status that carries OpenVPN's client state; the Culvert-only additions as said above. */
    private List<StateEntry> updateFromClientState(TunnelStatus status, ClientStatus client) {
        List<StateEntry> added = new ArrayList<>(2);
        lastSeen = status;
        if (status.state() == TunnelState.RECONNECTING) {
            restartPauseSeconds = restartPause(status.detail());
        }
        if (client != lastClient && !seeded.contains(client) && lastClient == null && client.state() == ClientState.CONNECTING
                && "CONNECTING".equals(lastName)) {
            // The tunnel's first step, already shown from a status seen before it (STARTING reads as CONNECTING).
            lastClient = client;
        }
        if (client != lastClient && !seeded.contains(client)) {
            lastClient = client;
            add(added, entry(client));
            if (client.state() == ClientState.RECONNECTING || client.state() == ClientState.EXITING) {
                lastSignal = null;
            }
        }
        if (status.state() == TunnelState.WAITING) {
            long time = status.since().getEpochSecond();
            if (status.reason() == TunnelReason.MANAGEMENT_HOLD) {
                Matcher m = HOLD_DETAIL.matcher(status.detail());
                holdSeconds = m.find() ? Integer.parseInt(m.group(1)) : restartPauseSeconds;
            } else if (!"WAIT".equals(lastName)) {
                add(added, new StateEntry(time, "WAIT", description(status), null, null, null, null));
            }
        }
        return added;
    }

    /** One line from a client state; the signal a management client sent names the restart or stop it caused. */
    private StateEntry entry(ClientStatus c) {
        String description = c.description();
        if (lastSignal != null && (c.state() == ClientState.EXITING && description.equals("SIGTERM") && lastSignal.equals("SIGINT"))) {
            description = lastSignal;
        }
        return new StateEntry(c.time().getEpochSecond(), c.state().name(), description, c.tunLocalIpv4(), c.remote(), c.local(),
                c.tunLocalIpv6());
    }

    /**
     * Records {@code status} (the tunnel's current one) and returns the entries it adds, oldest first;
     * empty when it adds none (a repeat, a hold).
     */
    List<StateEntry> update(TunnelStatus status, TunnelConnection connection) {
        if (status.clientState() != null) {
            return updateFromClientState(status, status.clientState());
        }
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

    /** OpenVPN's signal text for a Culvert reason ({@link TunnelReason#signalText}), named after a management client's signal where it sent one. */
    private String description(TunnelStatus status) {
        TunnelReason reason = status.reason();
        switch (reason) {
            case NONE:
                return status.state() == TunnelState.RECONNECTING ? signalOr("SIGUSR1") : "";
            case USER_STOP:
                return "SIGINT".equals(lastSignal) ? "SIGINT" : "SIGTERM";
            case USER_RESTART:
                if (status.detail().contains("SIGHUP") || status.detail().contains("SIGUSR1")) {
                    return reason.signalText(status.detail());
                }
                return signalOr("SIGUSR1");
            default:
                return reason.signalText(status.detail());
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
