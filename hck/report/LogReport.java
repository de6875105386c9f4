package hck.report;

import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Action;
import hck.model.Left;
import hck.model.Owner;
import hck.model.PortUse;
import hck.model.ProcessForecast;
import hck.rules.Durations;
import hck.model.Sock;
import hck.model.TcpState;
import org.slf4j.Logger;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The seed's log lines: per-socket detection, skip reasons under -v, per-process tallies, summary. */
public final class LogReport {
    /** A process holding at least this many hung sockets in one state gets a tally line. */
    public static final int TALLY_THRESHOLD = 3;
    private static final String RULE = "=".repeat(60);

    private final Logger log;
    private final boolean dryRun;
    /** Sockets logged one by one (detected, reason, action), 0: all; the rest get one line per process and state. */
    private final int limit;
    /** Where every socket is listed: the JSON's path, or null. */
    private final String listedIn;
    private int outcomesLogged;
    private final Map<Pile, int[]> outcomesUnlogged = new java.util.LinkedHashMap<>();

    public LogReport(Logger log, boolean dryRun, int limit, String listedIn) {
        this.log = log;
        this.dryRun = dryRun;
        this.limit = limit;
        this.listedIn = listedIn;
    }

    public void banner(String version, String mode, String rules, String timeouts) {
        log.info(RULE);
        log.info("Hung Connection Killer (hck) {} - mode: {}", version, mode);
        log.info("Rules: {}", rules);
        log.info("Timeouts: {}", timeouts);
        log.info(RULE);
    }

    /**
     * {@code (PID: 1234, Process: myapp)}, with {@code , netns: pod:shop/web-7f} for a socket of
     * another namespace and {@code , container leakweb} (and its pod, where the namespace does not say it) for one in a container.
     */
    public static String who(Sock s) {
        Owner o = s.owner();
        String ns = (s.netns() == null ? "" : ", netns: " + s.netns()) + (s.container() == null ? "" : ", " + s.container().describeIn(s.netns()));
        if (o == null) return s.orphan() ? "(PID: N/A, Process: N/A, orphan" + ns + ")" : "(PID: N/A, Process: N/A" + ns + ")";
        String more = s.owners().size() > 1 ? ", shared with " + (s.owners().size() - 1) + " more" : "";
        return "(PID: " + o.pid() + ", Process: " + o.name() + more + ns + ")";
    }

    /**
     * The seed's lines for each hung socket (the oldest first), written in bulk (see {@link Logs.Lines}),
     * up to the limit; then one line per process and state for the rest.
     */
    public void hung(List<Decision> hung) {
        Logs.Lines lines = lines();
        int shown = limit == 0 ? hung.size() : Math.min(limit, hung.size());
        for (Decision d : hung.subList(0, shown)) {
            Sock s = d.socket();
            String what = s.describe();
            lines.warn("Hung connection detected: " + what + " " + who(s));
            lines.info("  Reason: " + d.reason());
            if (dryRun) lines.info("[DRY RUN] Would terminate: " + what);
        }
        Map<Pile, int[]> rest = new java.util.LinkedHashMap<>();
        for (Decision d : hung.subList(shown, hung.size())) rest.computeIfAbsent(Pile.of(null, d.socket()), k -> new int[1])[0]++;
        rest.forEach((pile, n) -> log.warn("{} more hung {}, not listed one by one (log limit {}): {}", count(n[0]), pile.text(), limit, whereListed()));
    }

    /** The sockets past the limit that one line counts: one state's of one holder, with what was done to them (live). */
    private record Pile(Object action, TcpState state, boolean udp, long pid, String name, String netns) {
        static Pile of(Object action, Sock s) {
            Owner o = s.owner();
            return new Pile(action, s.state(), s.udp() != null, o == null ? -1 : o.pid(), o == null ? null : o.name(), s.netns());
        }

        /** "CLOSE_WAIT sockets of myapp (PID 1234)", "FIN_WAIT2 sockets of no process" */
        String text() {
            return state + (udp ? " UDP" : "") + " sockets of " + (name == null ? "no process" : name + " (PID " + pid + ")")
                    + (netns == null ? "" : " in netns " + netns);
        }
    }

    private String whereListed() {
        return listedIn != null ? "every one is in " + listedIn : "--json FILE lists every one";
    }

    /** Live mode: what happened to one hung socket; past the limit, counted for {@link #outcomesEnd}. */
    public void outcome(Outcome o) {
        Sock s = o.decision().socket();
        if (limit > 0 && outcomesLogged >= limit) {
            outcomesUnlogged.computeIfAbsent(Pile.of(o.left() != null ? o.left() : o.action(), s), k -> new int[1])[0]++;
            return;
        }
        outcomesLogged++;
        switch (o.action()) {
            case TERMINATED -> lines().info("Terminated: " + s.describe() + " (" + o.method().json + (s.netns() == null ? "" : ", netns: " + s.netns()) + ")");
            case FAILED -> lines().error("Failed to terminate: " + s.describe() + " " + who(s) + ": " + o.reason());
            default -> lines().info("Not terminated: " + s.describe() + ": " + o.reason());
        }
    }

    /** Live mode, after the last outcome: one line per action, process and state past the limit. */
    public void outcomesEnd() {
        outcomesUnlogged.forEach((pile, n) -> {
            String what = pile.text();
            String verb = pile.action() instanceof Left why ? why.words : pile.action() == Action.FAILED ? "failed to terminate" : "terminated";
            String line = count(n[0]) + " more " + what + " " + verb + ", not listed one by one (log limit " + limit + "): " + whereListed();
            if (pile.action() == Action.FAILED) log.error(line); else log.info(line);
        });
        outcomesUnlogged.clear();
    }

    private Logs.Lines lines;

    /** Per-socket lines go out in bulk (see {@link Logs.Lines}); made on first use, after the log is configured. */
    private Logs.Lines lines() {
        if (lines == null) lines = Logs.lines();
        return lines;
    }

    /** The hung sockets, then (under -v) the skipped ones, then the per-process tallies ({@code holders}: {@code hung} by process). */
    public void decisions(List<Decision> listed, List<Decision> hung, List<Holder> holders) {
        hung(hung);
        listed.stream().filter(d -> d.verdict() == Verdict.SKIPPED).forEach(this::notListed);
        tallies(holders);
    }

    public void notListed(Decision d) {
        if (log.isDebugEnabled()) log.debug("Skipping {} {}: {}", d.socket().describe(), who(d.socket()), d.reason());
    }

    /** "myapp (PID 1234) holds 412 CLOSE_WAIT sockets: it is not closing them" */
    private void tallies(List<Holder> holders) {
        for (Holder h : holders) {
            if (h.name() == null) continue;
            h.states().forEach((state, n) -> {
                if (n < TALLY_THRESHOLD) return;
                String in = h.container() == null ? "" : ", " + h.container().describe();
                if (state != TcpState.CLOSE_WAIT) {
                    log.warn("{} (PID {}{}) holds {} hung {} sockets", h.name(), h.pid(), in, n, state);
                    return;
                }
                String why = h.closeWaitWhy().entrySet().stream().map(e -> e.getValue() + ": " + e.getKey().text).collect(Collectors.joining("; "));
                log.warn("{} (PID {}{}) holds {} CLOSE_WAIT sockets: it is not closing them ({})"
                        + " (terminating them does not free its file descriptors; the application must close them or be restarted)",
                        h.name(), h.pid(), in, n, why);
            });
        }
    }

    /**
     * What an on-call engineer woken by "Too many open files" reads first: per process holding
     * hung sockets (3 or more, or growing towards its limit) its growth and the time left, and
     * where they talk to; per destination filling its ephemeral ports, what will fail.
     */
    public void forecasts(List<ProcessForecast> processes, List<PortUse> ports) {
        for (ProcessForecast p : processes) {
            if (p.hungTotal() < TALLY_THRESHOLD && p.etaSeconds() == null) continue;
            StringBuilder b = new StringBuilder(p.name()).append(" (PID ").append(p.pid())
                    .append(p.container() == null ? "" : ", " + p.container().describe()).append(") holds ")
                    .append(p.hung().entrySet().stream().map(e -> count(e.getValue()) + " " + e.getKey()).collect(Collectors.joining(" and ")))
                    .append(" sockets");
            b.append(p.growthPerHour() == null ? " (first sighting: a rate from the next run)"
                    : ", " + (p.growthPerHour() >= 0 ? "+" : "") + Math.round(p.growthPerHour()) + "/h");
            if (p.openFds() != null && p.fdLimit() != null) {
                b.append("; ").append(count(p.openFds())).append(" of ").append(count(p.fdLimit())).append(" file descriptors in use");
            }
            if (p.etaSeconds() != null) b.append(": out of file descriptors in about ").append(Durations.about(p.etaSeconds()));
            if (!p.remotes().isEmpty()) {
                b.append("; to ").append(p.remotes().stream().map(r -> r.remote() + " (" + count(r.hung()) + ")").collect(Collectors.joining(", ")));
            }
            if (p.etaSeconds() != null) log.warn(b.toString()); else log.info(b.toString());
        }
        for (PortUse u : ports) {
            log.warn("{} to {}: {} of {} ephemeral ports in use ({}): at {}, connect() from {} to {} fails with EADDRNOTAVAIL",
                    u.localIp(), u.remote(), count(u.inUse()), count(u.available()),
                    u.states().entrySet().stream().map(e -> e.getKey() + " " + count(e.getValue())).collect(Collectors.joining(", ")),
                    count(u.available()), u.localIp(), u.remote());
        }
    }

    private static String count(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    public void summary(Summary s, List<Summary.PerNetns> perNetns) {
        log.info(RULE);
        log.info("SUMMARY{}", dryRun ? " (DRY RUN)" : "");
        log.info("Total connections scanned: {}", s.scanned());
        log.info("Hung connections found: {}", s.hung());
        log.info("Connections skipped: {}", s.skipped());
        log.info("Connections terminated: {}{}", s.terminated(), dryRun ? " (would terminate)" : "");
        log.info("Failed terminations: {}", s.failed());
        long left = s.left().values().stream().mapToLong(Long::longValue).sum();
        if (left > 0) {
            log.info("Connections left as they were: {}", left);
            for (Left why : Left.values()) if (s.left(why) > 0) log.info("  {} {}", s.left(why), why.words);
        }
        for (Summary.PerNetns n : perNetns) {
            Summary c = n.counts();
            log.info("  netns {}: scanned {}, hung {}, skipped {}, terminated {}, failed {}",
                    n.netns() == null ? "(own)" : n.netns(), c.scanned(), c.hung(), c.skipped(), c.terminated(), c.failed());
        }
        log.info(RULE);
    }
}
