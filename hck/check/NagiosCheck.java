package hck.check;

import hck.rules.Thresholds;
import hck.rules.Durations;
import hck.rules.Range;
import hck.decide.Decision;
import hck.report.Holder;
import hck.report.StateTally;
import hck.model.PortUse;
import hck.model.Printable;
import hck.model.ProcessForecast;
import hck.model.TcpState;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The check line, a pure function of the hung sockets and the thresholds:
 * {@code HCK WARNING: 3 hung TCP connections (leaky PID 42: 3 CLOSE_WAIT, oldest 75s) | 'hung'=3;0;10;0 …},
 * then one line per top holder (Monitoring Plugins long output).
 */
public final class NagiosCheck {
    public static final int TOP = 5;

    /** {@code text}: the whole answer; {@code summary}: its first line without the status word and the perfdata. */
    public record Result(Status status, String text, String summary) {}

    private NagiosCheck() {}

    /**
     * What the run saw besides the hung sockets.
     * @param unreadable    processes whose open files hck could not read: their hung sockets are counted
     *                      without an owner, and the line says why the owners are missing and how to fix it
     * @param processes     the fd forecasts, soonest exhaustion first
     * @param ports         the destinations filling their ephemeral ports, fullest first
     * @param fullestPorts  the fullest destination's ports in use, percent
     * @param kernelPolicy  hung sockets live mode would not try on this kernel (TIME_WAIT before 6.0, orphans with a FIN
     *                      before 6.11), and the kernel's release; the line says so, since a live run cannot clear them
     */
    public record Seen(int unreadable, List<ProcessForecast> processes, List<PortUse> ports, double fullestPorts, long kernelPolicy,
                       String release) {
        /** Nothing besides the hung sockets. */
        public static final Seen NOTHING = new Seen(0, List.of(), List.of(), 0, 0, null);
    }

    public static Result evaluate(List<Decision> hung, Thresholds t, Seen seen) {
        int unreadable = seen.unreadable();
        List<ProcessForecast> processes = seen.processes();
        List<PortUse> ports = seen.ports();
        double fullestPorts = seen.fullestPorts();
        StateTally tally = StateTally.of(hung);
        Status status = Status.OK;
        if (t.warning().alerts(hung.size())) status = Status.WARNING;
        if (t.critical().alerts(hung.size())) status = Status.CRITICAL;
        for (TcpState s : TcpState.WATCHED_ORDER) {
            int n = tally.count(s);
            Range w = t.warningState().get(s), c = t.criticalState().get(s);
            if (w != null && w.alerts(n)) status = status.worst(Status.WARNING);
            if (c != null && c.alerts(n)) status = status.worst(Status.CRITICAL);
        }

        ProcessForecast soonest = processes.stream().filter(p -> p.etaSeconds() != null)
                .min(java.util.Comparator.comparingDouble(ProcessForecast::etaSeconds)).orElse(null);
        if (soonest != null && soonest.etaSeconds() < t.exhaustionWarning().toSeconds()) status = status.worst(Status.WARNING);
        if (soonest != null && soonest.etaSeconds() < t.exhaustionCritical().toSeconds()) status = status.worst(Status.CRITICAL);
        if (fullestPorts >= t.portsWarning()) status = status.worst(Status.WARNING);
        if (fullestPorts >= t.portsCritical()) status = status.worst(Status.CRITICAL);

        List<Holder> holders = Holder.biggestFirst(hung);
        StringBuilder summary = new StringBuilder().append(hung.size()).append(" hung TCP connection").append(hung.size() == 1 ? "" : "s");
        if (!holders.isEmpty()) summary.append(" (").append(describe(holders.get(0))).append(")");
        if (unreadable > 0) {
            summary.append("; owners unseen: could not read the open files of ").append(unreadable)
                    .append(" processes (run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)");
        }
        if (seen.kernelPolicy() > 0) {
            summary.append("; ").append(seen.kernelPolicy()).append(" of them live mode would not try on Linux ").append(seen.release())
                    .append(" (kernel policy: TIME_WAIT from 6.0, orphans with a FIN from 6.11)");
        }
        if (soonest != null && soonest.etaSeconds() < t.exhaustionWarning().toSeconds()) {
            summary.append("; ").append(Printable.forCheck(soonest.name())).append(" PID ").append(soonest.pid())
                    .append(" out of file descriptors in about ").append(Durations.about(soonest.etaSeconds()));
        }
        if (!ports.isEmpty() && fullestPorts >= t.portsWarning()) {
            PortUse u = ports.get(0);
            summary.append("; ").append(u.localIp()).append(" to ").append(u.remote()).append(": ").append(u.inUse()).append(" of ")
                    .append(u.available()).append(" ephemeral ports in use");
        }
        StringBuilder line = new StringBuilder("HCK ").append(status).append(": ").append(summary);
        line.append(" | 'hung'=").append(hung.size()).append(';').append(t.warning()).append(';').append(t.critical()).append(";0");
        for (TcpState s : TcpState.WATCHED_ORDER) {
            String label = s.name().toLowerCase(Locale.ROOT);
            Range w = t.warningState().get(s), c = t.criticalState().get(s);
            line.append(" '").append(label).append("'=").append(tally.count(s)).append(';')
                    .append(w == null ? "" : w).append(';').append(c == null ? "" : c).append(";0");
            line.append(" '").append(label).append("_oldest'=").append(Durations.tenthsShort(tally.oldestMs(s))).append("s;;;0");
        }
        line.append(" 'fd_exhaustion'=").append(soonest == null ? "U;" : Math.round(soonest.etaSeconds()) + "s;")
                .append(t.exhaustionWarning().toSeconds()).append(':').append(';').append(t.exhaustionCritical().toSeconds()).append(':').append(";0");
        line.append(" 'ephemeral_ports'=").append(Durations.tenthsShort(Math.round(fullestPorts * 1000))).append("%;")
                .append(Durations.tenthsShort(Math.round(t.portsWarning() * 1000))).append(';')
                .append(Durations.tenthsShort(Math.round(t.portsCritical() * 1000))).append(";0;100");
        for (int i = 0; i < Math.min(TOP, holders.size()); i++) line.append('\n').append(describe(holders.get(i)));
        return new Result(status, line.toString(), summary.toString());
    }

    /** {@code leaky PID 42: 3 CLOSE_WAIT, oldest 75s}, the biggest holder first. */
    public static List<String> holderLines(List<Decision> hung) {
        return Holder.biggestFirst(hung).stream().map(NagiosCheck::describe).toList();
    }

    /** {@code leaky PID 42: 3 CLOSE_WAIT, oldest 75s}; orphans: {@code no process: 2 FIN_WAIT2, oldest 50s}. */
    static String describe(Holder h) {
        String who = h.name() == null ? "no process" : Printable.forCheck(h.name()) + " PID " + h.pid()
                + (h.container() == null ? "" : " (" + Printable.forCheck(h.container().describe()) + ")");
        String states = h.states().entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
        return who + ": " + states + ", oldest " + Durations.tenthsShort(h.oldestMs()) + "s";
    }
}
