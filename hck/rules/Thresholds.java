package hck.rules;

import hck.rules.Range;
import hck.model.TcpState;

import java.util.Map;

/** The check's thresholds: on the number of hung sockets, and optionally per state. */
public record Thresholds(Range warning, Range critical, Map<TcpState, Range> warningState, Map<TcpState, Range> criticalState) {
    public static final Thresholds DEFAULT = new Thresholds(Range.parse("0"), Range.parse("10"), Map.of(), Map.of());

    public Thresholds {
        warningState = Map.copyOf(warningState);
        criticalState = Map.copyOf(criticalState);
    }
}
