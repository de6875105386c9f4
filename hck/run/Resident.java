package hck.run;

import hck.sys.Signals;
import org.slf4j.Logger;

import java.time.Duration;

/**
 * {@code --every DURATION}: the cycle again and again until SIGTERM or SIGINT, as a DaemonSet runs
 * a node agent. Each cycle keeps its record as a cron run does (state file, lock, forecasts); a
 * failed cycle is logged and the next one runs. A signal lets the cycle in progress finish and
 * write its record, then ends the wait at once.
 */
public final class Resident {
    /** One cycle: its exit code as a single run would give it. */
    public interface Cycle {
        int run();
    }

    private Resident() {}

    /** @return the exit code of the last cycle, or 128 + the signal's number when a signal ended the loop */
    public static int repeat(Duration every, Cycle cycle, MetricsServer metrics, Logger log) {
        int last = ExitCode.OK;
        while (Signals.stopRequested() == null) {
            long start = System.nanoTime();
            try {
                last = cycle.run();
            } catch (RuntimeException e) {
                log.error("The cycle failed: {}; the next one runs in {}", e, every);
                last = ExitCode.FAILED;
            }
            if (metrics != null) metrics.cycleEnded();
            long next = start + every.toNanos();
            while (Signals.stopRequested() == null && System.nanoTime() < next) sleep(Math.min(100, (next - System.nanoTime()) / 1_000_000 + 1));
        }
        log.info("Stopped by {} after the cycle in progress", Signals.stopRequested());
        return Signals.exitCode();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
