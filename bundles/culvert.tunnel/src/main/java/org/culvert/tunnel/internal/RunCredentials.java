package org.culvert.tunnel.internal;

import java.util.function.BooleanSupplier;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.tls.AuthFailed;

/**
 * The {@code --auth-user-pass} side of a tunnel's runs: the credentials of the current plan, read or
 * asked before each attempt (OpenVPN's init_query_passwords), the server's AUTH_FAILED weighed by
 * {@code --auth-retry}, and the auth-tokens the server pushes. Tunnel thread only.
 */
final class RunCredentials {
    private final String name;
    private final TunnelLog log;
    private final StatusSink sink;
    /** Where --auth-user-pass credentials are asked; replaced before the tunnel starts. */
    private volatile CredentialsBroker broker;
    /** The state of the current plan, or null without --auth-user-pass. */
    private TunnelCredentials credentials;

    RunCredentials(String name, TunnelLog log, StatusSink sink) {
        this.name = name;
        this.log = log;
        this.sink = sink;
        this.broker = new CredentialsBroker(name);
    }

    void broker(CredentialsBroker value) {
        this.broker = value;
    }

    CredentialsBroker broker() {
        return broker;
    }

    /** The --auth-user-pass state of the current plan; null without. */
    TunnelCredentials current() {
        return credentials;
    }

    /**
     * Credentials for an attempt with plan {@code p}, read or asked. False ends the attempt:
     * stopped, or FAILED ({@code result} says why) when they cannot be had.
     *
     * @param stopReason the reason of a stop already asked for, else the fallback it is given
     */
    boolean ready(TunnelPlan p, RunResult result, BooleanSupplier stopped,
            java.util.function.UnaryOperator<TunnelReason> stopReason) {
        if (p.authUserPass == null) {
            credentials = null;
            return true;
        }
        if (credentials == null || credentials.settings() != p.authUserPass) {
            if (credentials != null) {
                credentials.wipe();
            }
            credentials = new TunnelCredentials(name, p.authUserPass,
                    p.operations.management() != null && p.operations.management().queryPasswords(), broker, log, sink);
            if (p.authToken != null) {
                credentials.authToken(p.authToken);
            }
            if (p.authTokenUser != null) {
                credentials.authTokenUser(p.authTokenUser);
            }
        }
        TunnelCredentials.Ready ready;
        try {
            ready = credentials.ensure(stopped);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ready = TunnelCredentials.Ready.STOPPED;
        }
        if (ready == TunnelCredentials.Ready.READY) {
            return true;
        }
        result.reason = stopReason.apply(TunnelReason.CREDENTIALS_UNAVAILABLE);
        if (ready == TunnelCredentials.Ready.UNAVAILABLE) {
            result.finalState = TunnelState.FAILED;
            result.detail = credentials.unavailableDetail();
        }
        return false;
    }

    /** The server's AUTH_FAILED: stop (FAILED, AUTH_FAILED) or reconnect, as --auth-retry and the message say. */
    void authFailed(AuthFailed failure, RunResult result) {
        AuthFailurePolicy.Decision d = credentials.authFailed(failure);
        result.reason = TunnelReason.AUTH_FAILED;
        result.detail = failure.describe();
        if (d.action() == AuthFailurePolicy.Action.STOP) {
            result.finalState = TunnelState.FAILED;
        }
        result.minRestartMillis = d.minDelaySeconds() * 1000L;
    }

    /** A PUSH_REPLY after the first (a renewed auth-token from an auth-gen-token server): its token is taken. */
    void laterPush(org.culvert.openvpn.config.PushedOptions pushed) {
        TunnelDevices.takeAuthToken(pushed, credentials);
    }

    void withdraw() {
        broker.withdraw();
    }

    void wipe() {
        if (credentials != null) {
            credentials.wipe();
        }
    }
}
