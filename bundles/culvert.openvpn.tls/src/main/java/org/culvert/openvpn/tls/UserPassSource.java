package org.culvert.openvpn.tls;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The {@code --auth-user-pass} credentials a tls-client writes into every key-method-2 message (the
 * first key and each renegotiation), asked for each message so that a token received meanwhile, or
 * a purge, takes effect at once. Called on the loop thread; must not block.
 *
 * @since 2.1
 */
@ConsumerType
public interface UserPassSource {
    /** The username to send; empty for none. */
    String username();

    /** A fresh copy of the password (or auth-token) to send, which the engine overwrites once written; empty for none. */
    char[] password();

    /** A key-method-2 message carrying them was written (OpenVPN purges the password here under {@code --auth-nocache}). */
    void sent();
}
