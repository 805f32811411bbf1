package org.culvert.testkit;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides the fate of each packet on one {@link MemoryNetwork} path: the lossy in-memory wire
 * (OpenVPN 3's NoisyWire, gremlin). See {@link NoisyWire} for a seeded random one.
 *
 * <p>Called on the sending socket's thread, once per packet, with a private copy of the packet in
 * {@code packet}'s {@code position..limit}: the impairment may change its bytes (to corrupt it) and
 * its position and limit (to truncate it); what is left there is what travels. It must not keep the
 * buffer. One path has one sending socket, so an instance used on one path is called by one thread.
 */
@ConsumerType
@FunctionalInterface
public interface Impairment {
    /** What happens to a packet. */
    enum Verdict {
        /** It arrives (possibly altered). */
        DELIVER,
        /** It is lost. */
        DROP,
        /** It arrives twice. */
        DUPLICATE,
        /**
         * It is held back and arrives right after the next packet on the path that is delivered,
         * so the two swap places. A packet already held is delivered first. A held packet is lost if
         * no later packet is delivered before the sender closes.
         */
        DELAY
    }

    Verdict apply(ByteBuffer packet);
}
