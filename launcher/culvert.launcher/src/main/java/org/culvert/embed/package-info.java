/**
 * Embedding Culvert in a Java program that is not OSGi: {@link org.culvert.embed.Culvert} starts an
 * embedded framework with a distribution's bundles and offers tunnels through plain Java: start from
 * a file, text or a map of OpenVPN options ({@link org.culvert.embed.TunnelConfig}), stop, list,
 * snapshots with counters and connection info ({@link org.culvert.embed.TunnelSnapshot}), state events
 * and log lines delivered on a thread of Culvert's own, signals, and a {@code close()} that leaves no
 * thread behind.
 *
 * <p>This package is the library's public API and is kept small and stable; the host shares the
 * {@code org.culvert.api.*} types it uses ({@code TunnelStatus}, {@code TunnelCounters}, ...) with the
 * bundles. {@code org.culvert.launcher} holds the {@code culvert} command and is not API.
 */
package org.culvert.embed;
