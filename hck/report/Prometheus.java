package hck.report;

import hck.decide.Decision;
import hck.model.Container;
import hck.model.PortUse;
import hck.model.ProcessForecast;
import hck.model.Sock;
import hck.model.TcpState;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Metrics in the Prometheus text exposition format, for node_exporter's textfile collector (the
 * caller writes the file atomically: a temp file renamed in the same directory, so the collector
 * never reads half of it). Every watched state gets a sample, zeros included, so that a graph
 * shows 0 rather than a gap; counters come from the state file and survive between runs.
 */
public final class Prometheus {
    public static final int TOP_PROCESSES = 10;

    /** What one run contributes; {@code namespaces} are the labels scanned (null: hck's own). */
    public record Run(List<Decision> hung, List<Sock> candidates, List<String> namespaces, long scanned,
                      long terminatedTotal, long failedTotal, double timestampSeconds, Double lastSuccessSeconds,
                      double durationSeconds, int unreadableProcesses, List<ProcessForecast> processes, List<PortUse> ports,
                      boolean stampsRead) {}

    private Prometheus() {}

    /** Per process holding hung sockets (the soonest exhaustion first) and per destination filling its ephemeral ports. */
    private static void forecasts(StringBuilder b, Run r) {
        List<ProcessForecast> top = r.processes().subList(0, Math.min(TOP_PROCESSES, r.processes().size()));
        head(b, "hck_process_open_fds", "gauge", "Open file descriptors of a process holding hung connections.");
        for (ProcessForecast p : top) if (p.openFds() != null) sample(b, "hck_process_open_fds", who(p), p.openFds());
        head(b, "hck_process_fd_limit", "gauge", "Soft RLIMIT_NOFILE of a process holding hung connections.");
        for (ProcessForecast p : top) if (p.fdLimit() != null) sample(b, "hck_process_fd_limit", who(p), p.fdLimit());
        head(b, "hck_process_hung_growth_per_hour", "gauge", "Growth of a process's hung connections per hour, over the runs of the forecast window.");
        for (ProcessForecast p : top) if (p.growthPerHour() != null) sample(b, "hck_process_hung_growth_per_hour", who(p), p.growthPerHour());
        head(b, "hck_process_fd_exhaustion_seconds", "gauge",
                "Seconds until a process's open files reach its limit at the growth rate of its hung connections (only growing ones).");
        for (ProcessForecast p : top) if (p.etaSeconds() != null) sample(b, "hck_process_fd_exhaustion_seconds", who(p), p.etaSeconds());
        head(b, "hck_ephemeral_ports_in_use", "gauge", "Ephemeral ports held towards a destination, in every state (listed ones: forecast.ports_listed).");
        for (PortUse u : r.ports()) sample(b, "hck_ephemeral_ports_in_use", where(u), u.inUse());
        head(b, "hck_ephemeral_ports_available", "gauge", "Ephemeral ports connect() can pick from (ip_local_port_range less ip_local_reserved_ports).");
        for (PortUse u : r.ports()) sample(b, "hck_ephemeral_ports_available", where(u), u.available());
    }

    private static String who(ProcessForecast p) {
        return labels(withContainer(p.container(), "process", p.name(), "pid", Long.toString(p.pid()), "netns", Objects.requireNonNullElse(p.netns(), "")));
    }

    /**
     * The per-holder series name a process's container and pod ({@code container}, {@code pod},
     * {@code pod_namespace}) when it runs in one: only there, so the other series' cardinality stays bounded.
     */
    static String[] withContainer(Container c, String... kv) {
        if (c == null) return kv;
        List<String> all = new ArrayList<>(List.of(kv));
        all.addAll(List.of("container", c.display()));
        if (c.pod() != null) all.addAll(List.of("pod", c.pod().name(), "pod_namespace", c.pod().namespace()));
        return all.toArray(String[]::new);
    }

    private static String where(PortUse u) {
        return labels("netns", Objects.requireNonNullElse(u.netns(), ""), "local_ip", u.localIp(), "remote", u.remote());
    }

    public static void write(OutputStream out, Run r) throws IOException {
        StringBuilder b = new StringBuilder(4096);
        head(b, "hck_hung_connections", "gauge", "TCP connections hung past their timeout in the last run, by state and network namespace.");
        StateTally.byNetns(r.hung(), r.namespaces()).forEach((ns, tally) -> {
            for (TcpState s : TcpState.WATCHED_ORDER) sample(b, "hck_hung_connections", labels("state", s.name(), "netns", ns), tally.count(s));
        });

        head(b, "hck_candidate_connections", "gauge", "TCP connections in a watched state (any age) in the last run.");
        Map<TcpState, Integer> cand = new EnumMap<>(TcpState.class);
        r.candidates().forEach(s -> cand.merge(s.state(), 1, Integer::sum));
        for (TcpState s : TcpState.WATCHED_ORDER) sample(b, "hck_candidate_connections", labels("state", s.name()), cand.getOrDefault(s, 0));

        // a run that could not read every process's open files cannot attribute, or protect, what those hold
        head(b, "hck_owner_unreadable_processes", "gauge",
                "Processes whose open files hck could not read in the last run (not root): their sockets have no owner.");
        sample(b, "hck_owner_unreadable_processes", "", r.unreadableProcesses());

        head(b, "hck_oldest_hung_age_seconds", "gauge", "Age in its state of the oldest hung connection, by state (0: none).");
        StateTally all = StateTally.of(r.hung());
        for (TcpState s : TcpState.WATCHED_ORDER) sample(b, "hck_oldest_hung_age_seconds", labels("state", s.name()), seconds(all.oldestMs(s)));

        head(b, "hck_process_hung_connections", "gauge", "Hung connections held by a process, for the " + TOP_PROCESSES + " processes holding most.");
        List<Holder> top = new ArrayList<>(Holder.of(r.hung()).stream().filter(h -> h.name() != null).toList());
        top.sort(Comparator.comparingInt(Holder::count).reversed());
        for (Holder h : top.subList(0, Math.min(TOP_PROCESSES, top.size()))) {
            sample(b, "hck_process_hung_connections", labels(withContainer(h.container(), "process", h.name(), "pid", Long.toString(h.pid()))), h.count());
        }

        forecasts(b, r);

        head(b, "hck_terminated_connections_total", "counter", "Connections terminated by live runs, since the state file began.");
        sample(b, "hck_terminated_connections_total", "", r.terminatedTotal());
        head(b, "hck_failed_terminations_total", "counter", "Terminations that failed in live runs, since the state file began.");
        sample(b, "hck_failed_terminations_total", "", r.failedTotal());
        head(b, "hck_scanned_connections", "gauge", "TCP connections seen by the last run, in every state.");
        sample(b, "hck_scanned_connections", "", r.scanned());
        head(b, "hck_last_run_timestamp_seconds", "gauge", "When the last run started, in seconds since the epoch.");
        sample(b, "hck_last_run_timestamp_seconds", "", r.timestampSeconds());
        head(b, "hck_last_success_timestamp_seconds", "gauge", "When the last successful run started, in seconds since the epoch.");
        sample(b, "hck_last_success_timestamp_seconds", "", r.lastSuccessSeconds() == null ? 0 : r.lastSuccessSeconds());
        head(b, "hck_last_run_duration_seconds", "gauge", "How long the last run took.");
        sample(b, "hck_last_run_duration_seconds", "", r.durationSeconds());
        head(b, "hck_stamps_active", "gauge", "1 when the last run read hck's stamps (exact ages in closing states), else 0.");
        sample(b, "hck_stamps_active", "", r.stampsRead() ? 1 : 0);
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void head(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder b, String name, String labels, double value) {
        b.append(name).append(labels).append(' ').append(number(value)).append('\n');
    }

    /** Plain decimal text: Prometheus accepts an exponent, but people grep these files. */
    static String number(double v) {
        BigDecimal d = BigDecimal.valueOf(v).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
        return (d.scale() < 0 ? d.setScale(0) : d).toPlainString();
    }

    static double seconds(long ms) {
        return ms / 1000.0;
    }

    /** {@code {a="x",b="y"}} with label values escaped as the exposition format asks (\\, \", \n). */
    static String labels(String... kv) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) b.append(',');
            b.append(kv[i]).append("=\"").append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return b.append('}').toString();
    }
}
