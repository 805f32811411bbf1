/**
 * Shared JNA mappings of the Linux C library for the Linux plugins (tun driver, epoll and poll
 * backends, native link sockets), and the small helpers that make them safe to use from Java:
 * {@link org.culvert.platform.linux.NativeFd} (close that never races a use),
 * {@link org.culvert.platform.linux.Errno} (errno names for messages),
 * {@link org.culvert.platform.linux.WakeupFd} (an eventfd to interrupt a wait from any thread) and
 * {@link org.culvert.platform.linux.FdRegistrations} (the fd, tag and interest table of the epoll and
 * poll event sets).
 *
 * <p>The mappings are JNA <em>direct</em> mappings whose pointer arguments are primitive
 * {@code long} addresses, so the data path calls into libc without allocating. JNA itself comes
 * from the JNA bundle (this package imports {@code com.sun.jna}; JNA is never embedded), which must
 * never be refreshed because its native library binds to one class loader per JVM.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.platform.linux;
