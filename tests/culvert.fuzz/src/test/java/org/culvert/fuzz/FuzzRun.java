package org.culvert.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Counts one target's executions and prints its figure. A target runs each input through
 * {@link #run} in its {@code @FuzzTest} method and calls {@link #report()} from {@code @AfterAll}.
 *
 * <p>Jazzer stops at the first finding, so a finished fuzzing run that reaches {@code report()} had
 * none; a failing input is counted by {@link #crashed()} before it is rethrown, for the figure.
 */
public final class FuzzRun {
    private final String target;
    private long inputs;
    private long crashes;
    private long firstNanos;
    private long lastNanos;

    public FuzzRun(String target) {
        this.target = target;
    }

    /** Whether this JVM fuzzes ({@code JAZZER_FUZZ} set), rather than replaying the stored inputs. */
    public static boolean fuzzing() {
        String v = System.getenv("JAZZER_FUZZ");
        return v != null && !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    /** One input's work. */
    @FunctionalInterface
    public interface Target {
        void run(com.code_intelligence.jazzer.api.FuzzedDataProvider in) throws Exception;
    }

    /** Counts the input, runs it, and counts it as a crash if it throws (then rethrows). */
    public void run(com.code_intelligence.jazzer.api.FuzzedDataProvider in, Target target) throws Exception {
        input();
        try {
            target.run(in);
        } catch (Exception | Error e) {
            crashed();
            throw e;
        }
    }

    /** Counts one input (before it runs). */
    private void input() {
        long now = System.nanoTime();
        if (inputs++ == 0) {
            firstNanos = now;
        }
        lastNanos = now;
    }

    /** Counts an input that failed an invariant or threw. */
    private void crashed() {
        crashes++;
    }

    /**
     * Prints {@code [reliability] fuzz <target>: N inputs in S s, C crashes} and, when fuzzing with an
     * input budget ({@code fuzz.runs}), checks the budget was reached inside the time box.
     */
    public void report() {
        double seconds = (lastNanos - firstNanos) / 1e9;
        String mode = fuzzing() ? "" : " (regression mode: stored inputs only)";
        System.out.printf("[reliability] fuzz %s: %d inputs in %.1f s, %d crashes%s%n", target, inputs, seconds, crashes, mode);
        long budget = Long.getLong("fuzz.runs", 0);
        if (fuzzing() && budget > 0 && crashes == 0) {
            // libFuzzer's -runs counts every execution; allow for the few it makes outside the target.
            assertTrue(inputs >= budget - 100, target + ": only " + inputs + " of " + budget
                    + " inputs ran inside the time box (fuzz.duration); the target got slower");
        }
    }
}
