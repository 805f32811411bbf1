package org.culvert.itests;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The live threads of this JVM at one moment, for checking that tunnels and plugins leave no
 * thread behind. Threads are compared by identity, not by name, so a thread that died and was
 * replaced by a new one of the same name counts as new.
 */
final class ThreadCensus {
    /**
     * Threads that the framework or its standard services start on first use rather than at start,
     * so a long test may see them appear once and stay; none belongs to Culvert. Felix starts
     * {@code FelixFrameworkWiring} for the first refresh or resolve request and keeps it, and runs
     * the resolver on a small pool ({@code FelixResolver-N}) whose threads idle out a while after
     * a resolve.
     */
    static final Pattern FRAMEWORK_LAZY_THREADS = Pattern.compile("FelixFrameworkWiring|FelixResolver-\\d+");

    private final Set<Thread> threads;

    private ThreadCensus(Set<Thread> threads) {
        this.threads = threads;
    }

    static ThreadCensus take() {
        return new ThreadCensus(live());
    }

    private static Set<Thread> live() {
        Set<Thread> live = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()) {
                live.add(t);
            }
        }
        return live;
    }

    int size() {
        return threads.size();
    }

    /** Names of threads alive now that were not alive at this census, sorted. */
    static List<String> names(Set<Thread> threads) {
        List<String> names = new ArrayList<>();
        for (Thread t : threads) {
            names.add(t.getName());
        }
        Collections.sort(names);
        return names;
    }

    /** Live threads that were not in this census. */
    Set<Thread> newSince() {
        Set<Thread> now = live();
        now.removeAll(threads);
        return now;
    }

    /** The threads of {@code set} that are not {@link #FRAMEWORK_LAZY_THREADS}. */
    static Set<Thread> notFramework(Set<Thread> set) {
        Set<Thread> out = new HashSet<>();
        for (Thread t : set) {
            if (!FRAMEWORK_LAZY_THREADS.matcher(t.getName()).matches()) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Waits until every thread started since this census, except framework-owned lazy ones, has
     * ended (threads end a little after the call that stopped them returns).
     *
     * @return the threads that are still new at the deadline (framework ones included), empty when clean
     */
    Set<Thread> awaitBackToBaseline(long timeoutMillis) throws InterruptedException {
        return awaitBackToBaseline(timeoutMillis, null);
    }

    /**
     * As {@link #awaitBackToBaseline(long)}, also not waiting for threads whose names match
     * {@code alsoAllowed} (null for none): pools a test knows to idle on, such as the JDK's process
     * reapers when plugins start child processes.
     */
    Set<Thread> awaitBackToBaseline(long timeoutMillis, Pattern alsoAllowed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            Set<Thread> extra = newSince();
            Set<Thread> ours = notFramework(extra);
            if (alsoAllowed != null) {
                ours.removeIf(t -> alsoAllowed.matcher(t.getName()).matches());
            }
            if (ours.isEmpty() || System.nanoTime() - deadline > 0) {
                return extra;
            }
            Thread t = ours.iterator().next();
            // Waits for the thread itself rather than sleeping; bounded by the deadline.
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }
}
