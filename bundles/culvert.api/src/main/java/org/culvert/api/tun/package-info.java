/** Tun/tap drivers and the devices they open. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.api.tun;
