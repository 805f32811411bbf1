package org.culvert.testkit.contract;

import java.net.Inet4Address;

import org.culvert.api.event.EventBackend;
import org.culvert.api.tun.TunDevice;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One open tun device under test plus its "OS side", made by {@link TunDeviceContract#openFixture()}
 * for a single test and closed after it. The test thread is the device's loop thread.
 *
 * <p>The addresses describe one UDP flow through the device: the OS side owns {@link #osAddress()}
 * (for a real device, the interface's local address) and a UDP endpoint on {@link #osPort()}; the
 * tunnel side is {@link #tunnelAddress()} (for a real device, an address routed into it).
 */
@ConsumerType
@SuppressWarnings("try") // close() throws Exception, as the fixed contract shape says
public interface TunFixture extends AutoCloseable {
    TunDevice device();

    /** A backend able to wait on device().waitable(). */
    EventBackend backend();

    /** The address the tunnel side of the device has (source of packets the test writes). */
    Inet4Address tunnelAddress();

    /** The OS-side address and UDP port that receiveAtOs() listens on (destination of packets the test writes). */
    Inet4Address osAddress();

    int osPort();

    /**
     * Makes the OS side send one UDP datagram with this payload into the device, so it becomes
     * readable as an IPv4/UDP packet from {@link #osAddress()} to {@link #tunnelAddress()}.
     */
    void sendFromOs(byte[] payload) throws Exception;

    /**
     * Payload of the next UDP datagram the OS side got from the device (sent to osAddress():osPort()),
     * or null after the timeout. Other traffic the OS side sees is skipped.
     */
    byte[] receiveAtOs(long timeoutMillis) throws Exception;

    /** Closes the device (if the test did not) and everything the fixture set up. */
    @Override
    void close() throws Exception;
}
