package org.culvert.testkit;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A seeded, reproducible {@link Impairment}: each packet is independently dropped, duplicated, delayed
 * (swapped with the next) or corrupted (one bit flipped) with the given probabilities, and counts what
 * it did. Install one per path and direction with {@link MemoryNetwork#impair}.
 *
 * <p>Not thread-safe for {@link #apply}, which runs on the path's one sending thread; the counters may
 * be read from any thread. Allocates nothing per packet.
 */
public final class NoisyWire implements Impairment {
    private final SplittableRandom random;
    private volatile double dropRate;
    private volatile double duplicateRate;
    private volatile double delayRate;
    private volatile double corruptRate;
    private volatile long packets;
    private volatile long dropped;
    private volatile long duplicated;
    private volatile long delayed;
    private volatile long corrupted;

    public NoisyWire(long seed) {
        random = new SplittableRandom(seed);
    }

    /** Probability (0..1) that a packet is lost. */
    public NoisyWire drop(double rate) {
        dropRate = check(rate);
        return this;
    }

    /** Probability that a packet arrives twice. */
    public NoisyWire duplicate(double rate) {
        duplicateRate = check(rate);
        return this;
    }

    /** Probability that a packet swaps places with the next one. */
    public NoisyWire reorder(double rate) {
        delayRate = check(rate);
        return this;
    }

    /** Probability that one bit of a (non-empty) packet is flipped. */
    public NoisyWire corrupt(double rate) {
        corruptRate = check(rate);
        return this;
    }

    private static double check(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate " + rate + " outside 0..1");
        }
        return rate;
    }

    // The counters have a single writer (the sending thread), so volatile increments are exact.
    @Override
    public Verdict apply(ByteBuffer packet) {
        packets++;
        if (random.nextDouble() < dropRate) {
            dropped++;
            return Verdict.DROP;
        }
        if (packet.hasRemaining() && random.nextDouble() < corruptRate) {
            int index = packet.position() + random.nextInt(packet.remaining());
            packet.put(index, (byte) (packet.get(index) ^ (1 << random.nextInt(8))));
            corrupted++;
        }
        if (random.nextDouble() < duplicateRate) {
            duplicated++;
            return Verdict.DUPLICATE;
        }
        if (random.nextDouble() < delayRate) {
            delayed++;
            return Verdict.DELAY;
        }
        return Verdict.DELIVER;
    }

    public long packets() {
        return packets;
    }

    public long dropped() {
        return dropped;
    }

    public long duplicated() {
        return duplicated;
    }

    public long delayed() {
        return delayed;
    }

    public long corrupted() {
        return corrupted;
    }

    @Override
    public String toString() {
        return "noisy wire: " + packets + " packets, " + dropped + " dropped, " + duplicated + " duplicated, " + delayed
                + " delayed, " + corrupted + " corrupted";
    }
}
