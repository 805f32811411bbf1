package org.culvert.api.link;

import java.util.Set;

import org.culvert.api.plugin.Plugin;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A link transport service (UDP, TCP, in-memory). Registered with
 * {@code culvert.plugin.kind=link-transport}, {@code culvert.plugin.name}, {@code culvert.plugin.os},
 * {@code culvert.link.protocols} and {@code culvert.plugin.handle.kinds}.
 */
@ConsumerType
public interface LinkTransport extends Plugin {
    /** The protocols this transport serves. Constant. */
    Set<LinkProtocol> protocols();

    /**
     * Creates and binds a socket for {@code spec}. Returns quickly: resolving a name may block, but
     * connecting and accepting happen in {@link LinkSocket#establish(long)}.
     *
     * @throws LinkException with a reason that says what failed; nothing stays open then
     */
    LinkSocket open(LinkSpec spec) throws LinkException;

    /**
     * Binds and listens for many stream clients ({@code --proto tcp-server} with {@code --server}),
     * from {@code spec}'s local address and port; connections are taken with
     * {@link LinkListener#accept()}. Transports that cannot listen keep this default, which refuses.
     *
     * @throws LinkException {@code UNSUPPORTED} when this transport cannot listen or the spec is not
     *         tcp-server; {@code ADDRESS_IN_USE}, {@code PERMISSION_DENIED}, ...; nothing stays open then
     * @since link 1.3
     */
    default LinkListener listen(LinkSpec spec) throws LinkException {
        throw new LinkException(LinkException.Reason.UNSUPPORTED, "this link transport cannot listen for many clients");
    }
}
