package hck.run;

import java.time.Instant;

/** When the run started, on the wall clock (for the record) and the monotonic one (for the debug log's timings). */
public final class Stopwatch {
    private final Instant startedAt = Instant.now();
    private final long startNs = System.nanoTime();

    public Instant startedAt() {
        return startedAt;
    }

    public double startedEpochSeconds() {
        return startedAt.toEpochMilli() / 1000.0;
    }

    public long ms() {
        return (System.nanoTime() - startNs) / 1_000_000;
    }

    public double seconds() {
        return (System.nanoTime() - startNs) / 1e9;
    }
}
