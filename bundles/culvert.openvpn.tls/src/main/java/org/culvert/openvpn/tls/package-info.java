/**
 * OpenVPN 2.6's TLS point-to-point mode as a pure, I/O-free library: the control channel (hard and
 * soft resets, the reliability layer, {@code --tls-auth} and {@code --tls-crypt} wrapping), TLS through
 * Bouncy Castle, key method 2 with point-to-point cipher negotiation, and the negotiated data channel
 * (AES-GCM, ChaCha20-Poly1305, AES-CBC with HMAC), with renegotiation.
 *
 * <p>Start with {@link org.culvert.openvpn.tls.TlsSettings} (what was configured) and
 * {@link org.culvert.openvpn.tls.TlsSession} (one engine per tunnel run, driven by the tunnel's loop
 * thread). Nothing here opens sockets, starts threads or reads the wall clock: time comes from an
 * injected {@link org.culvert.openvpn.Clock}.
 *
 * <p>2.1: {@code --auth-user-pass}: {@link org.culvert.openvpn.tls.UserPassSource} (credentials written
 * into every key-method-2 message, set with {@code TlsSession.setUserPass}), {@link org.culvert.openvpn.tls.AuthFailed}
 * (the server's {@code AUTH_FAILED}, plain, TEMP and CRV1), {@code TlsFailure.Reason.AUTH_FAILED} and
 * {@code TlsSession.authFailed()}.
 *
 * <p>2.0 (breaking): {@code TlsVerdict} is gone; {@code TlsSession} returns
 * {@link org.culvert.openvpn.crypto.Verdict}, which holds all its values under the same names, and
 * implements {@link org.culvert.openvpn.session.PeerEngine} (new: {@code keyGeneration},
 * {@code failure}, {@code negotiatedSummary}). Code using {@code TlsVerdict} needs only the type renamed.
 *
 * <p>2.1: {@code PeerChecks} ({@code --remote-cert-ku}, {@code --remote-cert-eku}, {@code --crl-verify}),
 * {@code TlsFailure.Reason.CERT_REVOKED}; {@code TlsSettings.Builder} gains {@code peerChecks},
 * {@code keyPassword}, {@code pkcs12}, {@code extraCerts} and {@code tlsCryptV2}.
 * <p>2.1: pull mode (a {@code --client}): {@code TlsSettings.pull()}, {@code pushPeerInfo()}, {@code TlsSession.pushReplies},
 * {@code pushReady}, {@code pushedOptions}, {@code installPushedKeys}, {@code pollNotice}; new
 * {@code TlsFailure.Reason}s {@code NO_PUSH_REPLY}, {@code PUSH_FAILED}, {@code AUTH_FAILED},
 * {@code SERVER_RESTART}, {@code SERVER_HALT}.
 * <p>2.2: server authentication: {@link org.culvert.openvpn.tls.VerifyClientCert} ({@code --verify-client-cert})
 * and {@link org.culvert.openvpn.tls.PeerCertEnv} (the {@code X509_*}, {@code tls_*} script variables of a
 * peer chain);
 * server mode (one client of a multi-client server): {@link org.culvert.openvpn.tls.HandshakeCookie}
 * (the stateless three-way handshake) and the {@code TlsSession} constructor taking its
 * {@code Admission}; {@code TlsSettings.serverMode()} and its builder method;
 * {@link org.culvert.openvpn.tls.ServerPull} ({@code TlsSession.serverPull()}: credentials, peer info,
 * accept/pending/deny, client-kill, exit deadline), {@link org.culvert.openvpn.tls.PeerInfo} and
 * {@link org.culvert.openvpn.tls.ClientProtocol} (NCP and the generated push options).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.2.0")
package org.culvert.openvpn.tls;
