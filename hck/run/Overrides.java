package hck.run;

import hck.model.TcpState;
import hck.rules.Range;
import hck.rules.Rules;
import hck.rules.Target;
import hck.rules.Thresholds;
import hck.rules.Values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the command line says over the rules file: timeouts per state, the port and process lists
 * as a whole, --udp, --notify, and check mode's thresholds. Null: not given, the file's value holds.
 */
public record Overrides(Duration closeWait, Duration finWait, Duration timeWait, List<String> excludePorts, List<String> includePorts,
                        List<String> excludeProcesses, List<String> excludeContainers, boolean udp, List<String> notifyTargets, Integer logLimit, Limits limits) {

    /** -w, -c, --warning-state, --critical-state. */
    public record Limits(String warning, String critical, List<String> warningState, List<String> criticalState) {}

    /** Every override; check thresholds only in check mode. @throws IllegalArgumentException naming the option at fault */
    public Rules applyTo(Rules rules, boolean checkMode) {
        rules = withLists(rules);
        Rules.Reporting r = rules.reporting();
        if (logLimit != null && logLimit < 0) throw new IllegalArgumentException("--log-limit: " + logLimit + " is negative (0 logs every socket)");
        List<Target> targets = r.notifications();
        if (notifyTargets != null) {
            targets = new ArrayList<>();
            for (String n : notifyTargets) targets.add(Target.parse(n, null));
        }
        rules = rules.withReporting(new Rules.Reporting(checkMode && limits != null ? thresholds(r.check()) : r.check(), targets,
                logLimit != null ? logLimit : r.logLimit()));
        if (udp) rules = rules.withUdp(new Rules.Udp(true, rules.udp().minQueue(), rules.udp().timeout(), rules.udp().terminate()));
        return rules;
    }

    /** Timeouts per state, and the port and process lists as a whole (a list given replaces the file's). */
    public Rules withLists(Rules rules) {
        Map<TcpState, Duration> t = new EnumMap<>(rules.timeouts());
        if (closeWait != null) t.put(TcpState.CLOSE_WAIT, closeWait);
        if (finWait != null) { t.put(TcpState.FIN_WAIT1, finWait); t.put(TcpState.FIN_WAIT2, finWait); }
        if (timeWait != null) t.put(TcpState.TIME_WAIT, timeWait);
        Rules.Filters f = rules.filters();
        return rules.withTimeouts(t).withFilters(new Rules.Filters(
                excludePorts != null ? ports("--exclude-ports", excludePorts) : f.excludePorts(),
                excludeProcesses != null ? Values.words(excludeProcesses) : f.excludeProcesses(),
                includePorts != null ? ports("--include-ports", includePorts) : f.includePorts(),
                f.protectedProcesses(), excludeContainers != null ? Values.words(excludeContainers) : f.excludeContainers(), f.processes(), f.ports()));
    }

    /** The limits over the rules file's check: section. */
    public Thresholds thresholds(Thresholds base) {
        return new Thresholds(
                limits.warning() != null ? Range.parse(limits.warning()) : base.warning(),
                limits.critical() != null ? Range.parse(limits.critical()) : base.critical(),
                stateRanges("--warning-state", limits.warningState(), base.warningState()),
                stateRanges("--critical-state", limits.criticalState(), base.criticalState()));
    }

    /** The seeds' list styles ({@link Values#words}), each a port. */
    public static List<Integer> ports(String option, List<String> args) {
        List<Integer> out = new ArrayList<>();
        for (String w : Values.words(args)) {
            try {
                out.add(Values.port(w));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static Map<TcpState, Range> stateRanges(String option, List<String> args, Map<TcpState, Range> base) {
        if (args == null) return base;
        Map<TcpState, Range> out = new EnumMap<>(TcpState.class);
        out.putAll(base);
        for (String a : args) {
            int eq = a.indexOf('=');
            TcpState s;
            try {
                s = Values.watchedState(eq < 0 ? "" : a.substring(0, eq));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " " + a + ": use STATE=RANGE with a watched state, e.g. CLOSE_WAIT=5");
            }
            out.put(s, Range.parse(a.substring(eq + 1)));
        }
        return out;
    }
}
