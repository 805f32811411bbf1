/**
 * The engine's internals, private to the bundle: control packet codec and reliability layer,
 * tls-auth/tls-crypt wrapping, the Bouncy Castle TLS endpoint and certificate checks, key method 2,
 * key derivation, and the allocation-free data-channel ciphers. Only
 * {@link org.culvert.openvpn.tls.TlsSession} uses these classes; their interfaces may change freely.
 */
package org.culvert.openvpn.tls.internal;
