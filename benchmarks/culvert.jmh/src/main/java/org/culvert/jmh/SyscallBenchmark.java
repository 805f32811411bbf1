package org.culvert.jmh;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one system call costs from Java, the way Culvert makes it (JNA direct mapping, raw {@code long}
 * addresses: {@link LibC}, {@link Net}) against JNA with {@code Buffer} arguments, JNA's interface
 * mapping, and the JDK's own NIO. Linux only. The syscalls are those of the data path: {@code write}
 * and {@code read} (an eventfd here, a tun device in the tunnel), {@code epoll_wait} with a ready fd,
 * and {@code sendmmsg}/{@code recvmmsg} of 1400-byte datagrams on a loopback UDP pair (per packet, a
 * batch of {@value #BATCH}) against one {@code send}/{@code recv} or {@code DatagramChannel}
 * {@code write}/{@code read} per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SyscallBenchmark {
    static final int BATCH = 16;
    static final int PACKET = 1400;

    /** The same calls bound by JNA's direct mapping with a {@code ByteBuffer} in place of the address. */
    static final class BufferCalls {
        static {
            Native.register(BufferCalls.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native long read(int fd, ByteBuffer buf, long count);

        static native long write(int fd, ByteBuffer buf, long count);
    }

    /** JNA's interface mapping (reflection, an {@code Object[]} per call). */
    public interface InterfaceCalls extends Library {
        long read(int fd, Pointer buf, long count);

        long write(int fd, Pointer buf, long count);
    }

    private int eventFd;
    private ByteBuffer eight;
    private long eightAddress;
    private Pointer eightPointer;
    private InterfaceCalls interfaceCalls;

    private Pipe pipe;
    private ByteBuffer pipeBuffer;

    private int epollFd;
    private int readyFd;
    private ByteBuffer events;
    private long eventsAddress;
    private Selector selector;
    private Pipe readyPipe;

    private int udpSender;
    private int udpReceiver;
    private ByteBuffer packets;
    private long packetsAddress;
    private ByteBuffer sendHeaders;
    private long sendHeadersAddress;
    private ByteBuffer recvHeaders;
    private long recvHeadersAddress;
    private DatagramChannel nioSender;
    private DatagramChannel nioReceiver;
    private ByteBuffer nioPacket;

    @Setup
    public void setUp() throws IOException {
        eventFd = check(LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC), "eventfd");
        eight = DirectBuffers.allocateNative(8).putLong(0, 1);
        eightAddress = DirectBuffers.address(eight);
        eightPointer = new Pointer(eightAddress);
        interfaceCalls = Native.load(Platform.C_LIBRARY_NAME, InterfaceCalls.class);
        pipe = Pipe.open();
        pipeBuffer = ByteBuffer.allocateDirect(8);

        // epoll with one level-triggered fd that stays readable (an eventfd holding 1, never read).
        epollFd = check(LibC.epoll_create1(LibC.EPOLL_CLOEXEC), "epoll_create1");
        readyFd = check(LibC.eventfd(1, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC), "eventfd");
        ByteBuffer event = DirectBuffers.allocateNative(LibC.EPOLL_EVENT_SIZE).putInt(0, LibC.EPOLLIN);
        check(LibC.epoll_ctl(epollFd, LibC.EPOLL_CTL_ADD, readyFd, DirectBuffers.address(event)), "epoll_ctl");
        events = DirectBuffers.allocateNative(8 * LibC.EPOLL_EVENT_SIZE);
        eventsAddress = DirectBuffers.address(events);
        selector = Selector.open();
        readyPipe = Pipe.open();
        readyPipe.source().configureBlocking(false).register(selector, SelectionKey.OP_READ);
        readyPipe.sink().write(ByteBuffer.wrap(new byte[] { 1 }));

        setUpUdp();
    }

    private void setUpUdp() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        udpReceiver = boundUdpSocket(loopback);
        udpSender = boundUdpSocket(loopback);
        ByteBuffer name = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        ByteBuffer length = DirectBuffers.allocateNative(4).putInt(0, SockAddr.STORAGE_SIZE);
        check(Net.getsockname(udpReceiver, DirectBuffers.address(name), DirectBuffers.address(length)), "getsockname");
        check(Net.connect(udpSender, DirectBuffers.address(name), length.getInt(0)), "connect");

        packets = DirectBuffers.allocateNative(BATCH * PACKET);
        packetsAddress = DirectBuffers.address(packets);
        sendHeaders = headers(DirectBuffers.allocateNative(BATCH * Net.IOVEC_SIZE));
        sendHeadersAddress = DirectBuffers.address(sendHeaders);
        recvHeaders = headers(DirectBuffers.allocateNative(BATCH * Net.IOVEC_SIZE));
        recvHeadersAddress = DirectBuffers.address(recvHeaders);

        nioReceiver = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        nioSender = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        nioSender.connect(nioReceiver.getLocalAddress());
        nioReceiver.connect(nioSender.getLocalAddress());
        nioSender.configureBlocking(false);
        nioReceiver.configureBlocking(false);
        nioPacket = ByteBuffer.allocateDirect(PACKET);
    }

    /** {@value #BATCH} mmsghdrs, each with one iovec over its slot of {@link #packets}; no names (connected). */
    private ByteBuffer headers(ByteBuffer iovecs) {
        ByteBuffer headers = DirectBuffers.allocateNative(BATCH * Net.MMSGHDR_SIZE);
        long iovecsAddress = DirectBuffers.address(iovecs);
        for (int i = 0; i < BATCH; i++) {
            iovecs.putLong(i * Net.IOVEC_SIZE + Net.IOV_BASE, packetsAddress + (long) i * PACKET);
            iovecs.putLong(i * Net.IOVEC_SIZE + Net.IOV_LEN, PACKET);
            headers.putLong(i * Net.MMSGHDR_SIZE + Net.MSG_IOV, iovecsAddress + (long) i * Net.IOVEC_SIZE);
            headers.putLong(i * Net.MMSGHDR_SIZE + Net.MSG_IOVLEN, 1);
        }
        keepAll[keepCount++] = iovecs; // the headers point into it: keep it reachable
        return headers;
    }

    private final ByteBuffer[] keepAll = new ByteBuffer[2];
    private int keepCount;

    private static int boundUdpSocket(InetAddress loopback) {
        int fd = check(Net.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC, 0), "socket");
        ByteBuffer name = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        int length = SockAddr.encode(new InetSocketAddress(loopback, 0), Net.AF_INET, name, 0);
        check(Net.bind(fd, DirectBuffers.address(name), length), "bind");
        return fd;
    }

    private static int check(int result, String call) {
        if (result < 0) {
            throw new IllegalStateException(call + " failed: errno " + LibC.errno());
        }
        return result;
    }

    @TearDown
    public void tearDown() throws IOException {
        for (int fd : new int[] { eventFd, epollFd, readyFd, udpSender, udpReceiver }) {
            LibC.close(fd);
        }
        pipe.sink().close();
        pipe.source().close();
        selector.close();
        readyPipe.sink().close();
        readyPipe.source().close();
        nioSender.close();
        nioReceiver.close();
    }

    // ---------------------------------------------------------------- write + read: two syscalls per op

    @Benchmark
    public long eventfdWriteReadLongAddress() {
        LibC.write(eventFd, eightAddress, 8);
        return LibC.read(eventFd, eightAddress, 8);
    }

    @Benchmark
    public long eventfdWriteReadBufferArgument() {
        BufferCalls.write(eventFd, eight, 8);
        return BufferCalls.read(eventFd, eight, 8);
    }

    @Benchmark
    public long eventfdWriteReadInterfaceMapping() {
        interfaceCalls.write(eventFd, eightPointer, 8);
        return interfaceCalls.read(eventFd, eightPointer, 8);
    }

    @Benchmark
    public int pipeWriteReadNio() throws IOException {
        pipe.sink().write(pipeBuffer.clear());
        return pipe.source().read(pipeBuffer.clear());
    }

    /** Both halves: the error path's cost is JNA's per-thread copy of errno. */
    @Benchmark
    public int errno() {
        return LibC.errno();
    }

    /** The address of a direct buffer without {@link DirectBuffers.AddressCache} (a JNI call and a Pointer). */
    @Benchmark
    public long directBufferAddress() {
        return DirectBuffers.address(eight);
    }

    // ---------------------------------------------------------------- readiness: one syscall per op

    @Benchmark
    public int epollWaitReady() {
        return LibC.epoll_wait(epollFd, eventsAddress, 8, 0);
    }

    @Benchmark
    public int selectNowReadyNio() throws IOException {
        int n = selector.selectNow();
        selector.selectedKeys().clear();
        return n;
    }

    // ---------------------------------------------------------------- UDP loopback, per packet

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int udpSendmmsgRecvmmsgBatch() {
        int sent = Net.sendmmsg(udpSender, sendHeadersAddress, BATCH, 0);
        int received = 0;
        while (received < sent) {
            int n = Net.recvmmsg(udpReceiver, recvHeadersAddress + (long) received * Net.MMSGHDR_SIZE, sent - received,
                    Net.MSG_DONTWAIT, 0);
            if (n < 0) {
                throw new IllegalStateException("recvmmsg: errno " + LibC.errno());
            }
            received += n;
        }
        return received;
    }

    @Benchmark
    public long udpSendRecvOne() {
        Net.send(udpSender, packetsAddress, PACKET, 0);
        long n;
        do {
            n = Net.recv(udpReceiver, packetsAddress, PACKET, Net.MSG_DONTWAIT);
        } while (n < 0);
        return n;
    }

    @Benchmark
    public int udpWriteReadNio() throws IOException {
        nioSender.write(nioPacket.clear());
        int n;
        do {
            n = nioReceiver.read(nioPacket.clear());
        } while (n == 0);
        return n;
    }
}
