package hck.rules;

import hck.rules.Range;
import hck.model.TcpState;

import java.time.Duration;
import java.util.Map;

/**
 * The check's thresholds: on the number of hung sockets, optionally per state; on the soonest
 * file-descriptor exhaustion (WARNING/CRITICAL when sooner than these) and on the fullest
 * destination's ephemeral ports (percent in use, at or above).
 */
public record Thresholds(Range warning, Range critical, Map<TcpState, Range> warningState, Map<TcpState, Range> criticalState,
                         Duration exhaustionWarning, Duration exhaustionCritical, double portsWarning, double portsCritical) {
    public static final Duration EXHAUSTION_WARNING = Duration.ofHours(24), EXHAUSTION_CRITICAL = Duration.ofHours(1);
    public static final double PORTS_WARNING = 80, PORTS_CRITICAL = 95;
    public static final Thresholds DEFAULT = new Thresholds(Range.parse("0"), Range.parse("10"), Map.of(), Map.of());

    public Thresholds {
        warningState = Map.copyOf(warningState);
        criticalState = Map.copyOf(criticalState);
    }

    public Thresholds(Range warning, Range critical, Map<TcpState, Range> warningState, Map<TcpState, Range> criticalState) {
        this(warning, critical, warningState, criticalState, EXHAUSTION_WARNING, EXHAUSTION_CRITICAL, PORTS_WARNING, PORTS_CRITICAL);
    }
}
