/** Link transports (UDP, TCP) and the link sockets they open. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.culvert.api.link;
