package org.culvert.embed;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The threads one {@link Culvert} started. Culvert starts the framework, its control thread and its
 * event thread in a {@link ThreadGroup} of its own; every thread those threads start (Felix's, SCR's,
 * ConfigAdmin's, the tunnels', JNA's cleaner) lands in that group or a group below it, because a new
 * thread joins its creator's group. So the group tree is exactly "the threads Culvert started", even
 * when the host runs threads of its own at the same time.
 *
 * <p>Threads the JDK pools for the whole JVM (the {@code process reaper} of child processes, the
 * common fork-join pool) are created in the JDK's own system group and are not counted here.
 */
final class OwnedThreads {
    /** JNA's cleaner thread; it ends when interrupted (see {@link #awaitEnd}). */
    static final String JNA_CLEANER_CLASS = "com.sun.jna.internal.Cleaner$CleanerThread";

    private final ThreadGroup group;

    OwnedThreads(String name) {
        this.group = new ThreadGroup(name);
    }

    /** A daemon thread in the group, so that a host that forgets {@code close()} can still exit. */
    Thread newThread(Runnable task, String name) {
        Thread t = new Thread(group, task, name);
        t.setDaemon(true);
        return t;
    }

    /** True if {@code t} runs in the group or a group below it. */
    boolean owns(Thread t) {
        for (ThreadGroup g = t.getThreadGroup(); g != null; g = g.getParent()) {
            if (g == group) {
                return true;
            }
        }
        return false;
    }

    /** The group's live threads, sorted by name. */
    List<Thread> live() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && owns(t)) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparing(Thread::getName));
        return out;
    }

    /**
     * Waits until every thread of the group has ended, interrupting those that {@code interruptible}
     * accepts first (threads known to end on an interrupt and to have nothing left to do). Joins each
     * thread rather than sleeping; bounded by {@code timeoutMillis} in total.
     *
     * @return the threads still alive at the deadline; empty when all ended
     */
    List<Thread> awaitEnd(long timeoutMillis, Predicate<Thread> interruptible) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean interrupted = false;
        try {
            while (true) {
                List<Thread> left = live();
                if (left.isEmpty()) {
                    return left;
                }
                for (Thread t : left) {
                    if (interruptible.test(t)) {
                        t.interrupt();
                    }
                }
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return left;
                }
                try {
                    left.get(0).join(remaining);
                } catch (InterruptedException e) {
                    // Finish the wait (close() must not return early), then restore the flag.
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** "name, name (state)" for messages. */
    static String describe(Collection<Thread> threads) {
        StringBuilder sb = new StringBuilder();
        for (Thread t : threads) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('\'').append(t.getName()).append("' (").append(t.getState()).append(')');
        }
        return sb.toString();
    }
}
