/**
 * Running OpenVPN's external commands and scripts ({@code --up}, {@code --down}, a server's
 * {@code --auth-user-pass-verify}, {@code --client-connect}, ...) with a time bound, shared by the tun
 * drivers and the server's authentication so that there is one runner. Blocking: setup and script
 * threads only.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.openvpn.script;
