package org.culvert.jmh;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmarks' figures as CPU time of the calling thread per operation (user and system time, so
 * a syscall's kernel side counts), for a machine too busy for JMH's wall-clock figures: a thread that
 * waits for a core does not spend CPU time waiting. Also bytes allocated per operation, and the
 * collectors' time per operation (what the allocation costs at this packet rate).
 *
 * <pre>java -cp benchmarks.jar org.culvert.jmh.CpuTime SyscallBenchmark [field=value ...] [-n calls]</pre>
 *
 * Each {@code @Benchmark} method is called through reflection (a few ns, which matters only for the
 * cheapest calls; a result outside the box caches, e.g. a {@code long} of 1400, adds 16 B/op):
 * 5 rounds of warm-up, then 5 measured rounds; the median round is printed.
 */
public final class CpuTime {
    private static final Object[] NO_ARGS = {};

    private CpuTime() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> type = Class.forName("org.culvert.jmh." + args[0]);
        Object state = type.getConstructor().newInstance();
        int calls = 100_000;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("-n")) {
                calls = Integer.parseInt(args[++i]);
            } else {
                String[] kv = args[i].split("=", 2);
                java.lang.reflect.Field field = type.getField(kv[0]);
                field.set(state, field.getType() == int.class ? (Object) Integer.valueOf(kv[1]) : kv[1]);
            }
        }
        call(type, state, Setup.class);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        Method[] methods = type.getMethods();
        Arrays.sort(methods, (a, b) -> a.getName().compareTo(b.getName()));
        System.out.printf("%s on JDK %s, %s%n", args[0], Runtime.version(), String.join(" ", Arrays.copyOfRange(args, 1, args.length)));
        for (Method m : methods) {
            if (!m.isAnnotationPresent(Benchmark.class)) {
                continue;
            }
            OperationsPerInvocation per = m.getAnnotation(OperationsPerInvocation.class);
            int ops = per == null ? 1 : per.value();
            double[] cpu = new double[5];
            double[] wall = new double[5];
            double[] bytes = new double[5];
            long gcMillis = 0;
            for (int round = 0; round < 10; round++) {
                long c0 = threads.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                long b0 = threads.getThreadAllocatedBytes(thread);
                long g0 = gcMillis();
                for (int i = 0; i < calls; i++) {
                    m.invoke(state, NO_ARGS);
                }
                if (round >= 5) {
                    double n = (double) calls * ops;
                    cpu[round - 5] = (threads.getCurrentThreadCpuTime() - c0) / n;
                    wall[round - 5] = (System.nanoTime() - w0) / n;
                    bytes[round - 5] = (threads.getThreadAllocatedBytes(thread) - b0) / n;
                    gcMillis += gcMillis() - g0;
                }
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            Arrays.sort(bytes);
            double gcPerOp = gcMillis * 1e6 / (5.0 * calls * ops);
            System.out.printf("  %-36s cpu %9.1f ns/op  wall %9.1f ns/op  %7.1f B/op  gc %6.1f ns/op (%.1f%% of cpu)%n",
                    m.getName(), cpu[2], wall[2], bytes[2], gcPerOp, 100 * gcPerOp / cpu[2]);
        }
        call(type, state, TearDown.class);
    }

    /** Time the collectors report (pauses and, for G1, its concurrent work is not in it). */
    private static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    private static void call(Class<?> type, Object state, Class<? extends java.lang.annotation.Annotation> marker) throws Exception {
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(marker)) {
                m.invoke(state);
            }
        }
    }
}
