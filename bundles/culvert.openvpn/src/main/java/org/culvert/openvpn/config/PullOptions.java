package org.culvert.openvpn.config;

import java.util.List;

/**
 * The settings of pull mode ({@code --client} or {@code --pull}): what the client takes from a
 * server's PUSH_REPLY and what it tells the server about itself.
 *
 * @param filters every {@code --pull-filter}, in order
 * @param routeNopull {@code --route-nopull}: pushed routes and DHCP/DNS options are not taken
 * @param pushPeerInfo {@code --push-peer-info}: more IV_ variables in the key-method-2 message
 */
public record PullOptions(List<PullFilter> filters, boolean routeNopull, boolean pushPeerInfo) {
    public PullOptions {
        filters = List.copyOf(filters);
    }
}
