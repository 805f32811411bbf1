package org.culvert.link.udp;

/** The link socket contract with UDP GSO and GRO off ({@code gso_gro = false}, as on a kernel without them). */
class UdpNoOffloadContractTest extends UdpIpv4ContractTest {
    @Override
    protected UdpLinkTransport makeTransport() {
        return UdpPairs.transport(UdpLinkTransport.DEFAULT_BATCH_SIZE, false);
    }
}
