/**
 * Shared Windows plumbing for the Windows plugins (TAP-Windows6 and Wintun drivers, the
 * {@code WaitForMultipleObjects} event backend): {@link org.culvert.platform.win32.Kernel32Api}, the
 * kernel32 functions they need behind an interface whose real implementation
 * ({@link org.culvert.platform.win32.Win32Native#kernel32()}) uses JNA direct mappings and whose test
 * implementation is a fake that follows the documented semantics; a
 * {@link org.culvert.platform.win32.CloseGuard} that keeps handles from being released under a running
 * call; and interface setup with netsh and {@code --up}/{@code --down} scripts.
 *
 * <p>Only 64-bit Windows (x86-64, aarch64) is supported: handles and pointers travel as {@code long}.
 * JNA comes from the JNA bundle, which must never be refreshed (its native library binds to one class
 * loader per JVM).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.platform.win32;
