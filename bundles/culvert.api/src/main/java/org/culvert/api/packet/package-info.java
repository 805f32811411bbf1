/** Reusable batches of packet buffers with header room, shared by the core and every plugin. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.api.packet;
