package org.culvert.openvpn.config;

import java.util.EnumSet;
import java.util.Set;

/**
 * OpenVPN 2.6's option permission classes ({@code OPT_P_*} in {@code options.h}) that decide which
 * options a server may push: each table declares the classes of its options with
 * {@link OptionRegistry.Table#permit}, as {@code add_option}'s {@code VERIFY_PERMISSION} does, and a
 * pushed option is taken only if one of its classes is in the client's pull mask
 * ({@code init.c pull_permission_mask}). An option with no class is never taken from a push.
 */
public enum PullPermission {
    UP, ROUTE, ROUTE_EXTRAS, DHCPDNS, TIMER, NCP, PEER_ID, PUSH_MTU, COMP, SETENV, ECHO, MESSAGES,
    EXPLICIT_NOTIFY, PULL_MODE, SOCKBUF, SOCKFLAGS, PERSIST, SHAPER;

    /**
     * OpenVPN's {@code pull_permission_mask}: everything here, less ROUTE and DHCPDNS under
     * {@code --route-nopull}.
     */
    public static Set<PullPermission> pullMask(boolean routeNopull) {
        EnumSet<PullPermission> mask = EnumSet.allOf(PullPermission.class);
        if (routeNopull) {
            mask.remove(ROUTE);
            mask.remove(DHCPDNS);
        }
        return mask;
    }
}
