/**
 * OpenVPN's operator interfaces for Culvert tunnels: one bundle, two components, one shared formatter.
 *
 * <ul>
 * <li>{@link org.culvert.management.internal.ManagementComponent} runs OpenVPN's management interface
 * ({@code --management}) for every tunnel that asks for one, on one selector thread per bundle
 * ({@link org.culvert.management.internal.ManagementEngine}).</li>
 * <li>{@link org.culvert.management.internal.StatusFileComponent} writes OpenVPN's {@code --status} file
 * for every tunnel that asks for one, on one scheduler thread per bundle
 * ({@link org.culvert.management.internal.StatusFileWriter}).</li>
 * <li>{@link org.culvert.management.internal.StatusFormat} formats the "OpenVPN STATISTICS" block for
 * both, so the {@code status} command and the status file never drift apart.</li>
 * </ul>
 *
 * <p>Nothing here is exported: the bundle only consumes {@code org.culvert.api.tunnel}. Neither
 * component ever blocks a tunnel's thread: their {@code TunnelListener} and {@code TunnelLogListener}
 * callbacks only enqueue work for their own thread.
 */
package org.culvert.management.internal;
