package hck.run;

import hck.io.HostRoot;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What hck is told when it runs as a node agent, in a container: resident (--every), serving its metrics, reading the host's files. */
public class NodeAgent {
    @Option(names = "--every", paramLabel = "DURATION", converter = DurationOption.class,
            description = "Stay resident: run again every DURATION (e.g. 5m) until SIGTERM, which lets the cycle in progress finish and "
                    + "write its record (a DaemonSet's mode; a failed cycle is logged and the next one runs).")
    public Duration every;
    @Option(names = "--metrics-listen", paramLabel = "[ADDR:]PORT",
            description = "With --every: serve the last cycle's metrics at /metrics and a health answer at /healthz on [ADDR:]PORT.")
    public String metricsListen;
    @Option(names = "--host-root", paramLabel = "DIR",
            description = "The host's / is mounted at DIR (hck in a container): the runtimes' files and /run/netns are read there; /proc "
                    + "stays the host's through the host PID namespace.")
    public Path hostRoot;

    /** Refuses what does not go together, before anything is scanned; the host root is applied here, once. */
    public void settle(boolean checkMode) throws UsageError {
        if (every == null && metricsListen != null) throw new UsageError("--metrics-listen serves what --every repeats: give --every too");
        if (every != null && checkMode) throw new UsageError("--every repeats a dry or live run, not --check");
        if (every != null && (every.isZero() || every.isNegative())) throw new UsageError("--every must be more than 0");
        if (hostRoot != null) {
            if (!Files.isDirectory(hostRoot)) throw new UsageError("--host-root " + hostRoot + ": not a directory (mount the host's / there)");
            HostRoot.set(hostRoot);
        }
    }
}
