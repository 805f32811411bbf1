/**
 * Event backends: OpenVPN's {@code event_set_functions} (ctl, del, wait, reset, free) as Java
 * services, and the kinds of handle they wait on.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.api.event;
