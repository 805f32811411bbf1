/**
 * Winsock 2 for the Windows link transport: {@link org.culvert.platform.win32.winsock.Ws2Api}, the
 * ws2_32 functions a non-blocking socket under {@code WSAEventSelect} needs, behind an interface whose
 * real implementation ({@link org.culvert.platform.win32.winsock.Ws2Native#ws2()}) uses JNA direct
 * mappings and whose test implementation is a fake that follows the documented semantics; native
 * {@code sockaddr} and {@code WSANETWORKEVENTS} cells; and the Windows {@code sockaddr} layout
 * ({@link org.culvert.platform.win32.winsock.SockAddrs}).
 *
 * <p>Only 64-bit Windows is supported: {@code SOCKET} values, handles and pointers travel as {@code long}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.platform.win32.winsock;
