package hck.run;

import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** Check mode's options: the thresholds of the status and its timeout. */
public class CheckLimits {
    @Option(names = {"-w", "--warning"}, paramLabel = "RANGE",
            description = "WARNING when the number of hung sockets is outside RANGE (default 0: any). Ranges: 10, 10:, ~:10, 10:20, @10:20.")
    public String warning;
    @Option(names = {"-c", "--critical"}, paramLabel = "RANGE", description = "CRITICAL threshold (default 10).")
    public String critical;
    @Option(names = "--warning-state", paramLabel = "STATE=RANGE", description = "A WARNING threshold for one state's hung count.")
    public List<String> warningState;
    @Option(names = "--critical-state", paramLabel = "STATE=RANGE", description = "A CRITICAL threshold for one state's hung count.")
    public List<String> criticalState;
    @Option(names = {"-t", "--timeout"}, paramLabel = "SEC", converter = DurationOption.class,
            description = "Answer UNKNOWN after SEC, counted from the start (default 9: under check_nrpe's 10).")
    public Duration timeout;
}
