package hck.run;

import picocli.CommandLine.Option;

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
}
