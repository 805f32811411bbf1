/**
 * In-memory plugins for tests, usable as plain classes without OSGi: a tun driver whose devices have
 * an "OS side" in {@link org.culvert.testkit.MemoryTunHub}, a link transport over the in-process
 * {@link org.culvert.testkit.MemoryNetwork} (with impairments for lossy-wire tests), an event backend
 * for {@link org.culvert.api.event.SignalWaitable}s, and {@link org.culvert.testkit.Packets} to build and
 * parse IP/UDP packets. The hub and the network are static, so every bundle that imports this package
 * (rather than embedding it) shares them.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.culvert.testkit;
