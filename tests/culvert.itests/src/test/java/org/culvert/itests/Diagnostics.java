package org.culvert.itests;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Says, when a test times out waiting for a service, why the framework does not have it: which
 * Culvert or runtime bundles are not running and which Declarative Services components are not
 * satisfied, with their missing references. Runs inside the framework; never throws.
 */
final class Diagnostics {
    private Diagnostics() {
    }

    static String describe(BundleContext context) {
        List<String> lines = new ArrayList<>();
        try {
            for (Bundle b : context.getBundles()) {
                boolean expectedInstalled = CulvertBundles.WINDOWS.contains(b.getSymbolicName());
                boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
                if (!expectedInstalled && !fragment && b.getState() != Bundle.ACTIVE && b.getState() != Bundle.STARTING) {
                    lines.add("bundle " + b.getSymbolicName() + " is in state " + b.getState());
                }
            }
            ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
            if (ref == null) {
                lines.add("no ServiceComponentRuntime: is SCR running?");
            } else {
                ServiceComponentRuntime scr = context.getService(ref);
                try {
                    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                        if (!scr.isComponentEnabled(d)) {
                            lines.add("component " + d.name + " (" + d.bundle.symbolicName + ") is disabled");
                            continue;
                        }
                        for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                            if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                                    || c.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                                    || c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                                StringBuilder sb = new StringBuilder("component " + d.name + " (" + d.bundle.symbolicName + ") state "
                                        + c.state);
                                for (UnsatisfiedReferenceDTO u : c.unsatisfiedReferences) {
                                    sb.append(", missing ").append(u.name).append(' ').append(u.target == null ? "" : u.target);
                                }
                                if (c.failure != null) {
                                    sb.append(", failure: ").append(c.failure.split("\n", 2)[0]);
                                }
                                lines.add(sb.toString());
                            }
                        }
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            lines.add("(diagnostics failed: " + e + ")");
        }
        return lines.isEmpty() ? "every bundle runs and every component is satisfied" : String.join("; ", lines);
    }
}
