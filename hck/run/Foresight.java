package hck.run;

import hck.decide.Decision;
import hck.model.Endpoint;
import hck.model.PortUse;
import hck.model.ProcessForecast;
import hck.report.Holder;
import hck.scan.ProcessFacts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * How close the host is to the cliff a leak leads to: per process holding hung sockets, its file
 * descriptors against its limit and the time left at its growth rate (from the samples earlier
 * runs left in the state file); per destination, the ephemeral ports in use against those
 * available.
 */
public record Foresight(List<ProcessForecast> processes, List<PortUse> ports, double fullestPortsPercent) {
    /** Remote peers named per process. */
    static final int REMOTES = 5;

    /** {@link #of} on a thread of its own, beside the outcomes. */
    public static Pending beside(Plan plan, Sweep sweep, Verdicts verdicts) {
        return new Pending(CompletableFuture.supplyAsync(() -> of(plan, sweep, verdicts), work -> {
            Thread t = new Thread(work, "hck-foresight");
            t.setDaemon(true);
            t.start();
        }));
    }

    /** Forecasts being made beside the run. */
    public record Pending(CompletableFuture<Foresight> later) {
        /** The forecasts; what making them threw, thrown here. */
        public Foresight get() {
            try {
                return later.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error r) throw r;
                throw e;
            }
        }
    }

    public static Foresight of(Plan plan, Sweep sweep, Verdicts verdicts) {
        List<ProcessForecast> processes = new ArrayList<>();
        long sinceMs = sweep.nowMs() - plan.rules().forecast().window().toMillis();
        for (Holder h : verdicts.holders()) {
            if (h.name() == null) continue;
            ProcessFacts facts = ProcessFacts.read(h.pid());
            Integer open = sweep.openFds().get(h.pid());
            Long limit = facts.fdLimit() == ProcessFacts.UNKNOWN ? null : facts.fdLimit();
            // PID and start time: a PID the kernel gave to a new process starts a new history
            String key = h.pid() + "@" + facts.startTicks();
            List<long[]> samples = plan.memory().state().sample(key, sweep.nowMs(), h.count(), sinceMs);
            Double perHour = perHour(samples);
            Double eta = perHour == null || perHour <= 0 || open == null || limit == null ? null
                    : Math.max(0, (limit - open) / (perHour / 3600.0));
            processes.add(new ProcessForecast(h.pid(), h.name(), h.sockets().get(0).socket().netns(), h.sockets().get(0).socket().container(), open, limit, h.states(), perHour, eta,
                    remotes(h.sockets())));
        }
        // the soonest exhaustion first, then the biggest holder
        processes.sort(Comparator.comparing((ProcessForecast p) -> p.etaSeconds() == null ? Double.MAX_VALUE : p.etaSeconds())
                .thenComparing(ProcessForecast::hungTotal, Comparator.reverseOrder()));
        List<PortUse> ports = new ArrayList<>();
        double fullest = 0;
        for (Sweep.NsScan n : sweep.scans()) {
            if (n.result().ports() == null) continue;
            ports.addAll(n.result().ports().atLeast(n.ns().label(), plan.rules().forecast().portsListed()));
            fullest = Math.max(fullest, n.result().ports().fullestPercent());
        }
        ports.sort(Comparator.comparingDouble(PortUse::percent).reversed());
        plan.log().debug("Forecasts done at {} ms", plan.clock().ms());
        return new Foresight(processes, ports, fullest);
    }

    /**
     * Hung sockets a hour: the least-squares slope through the samples (as Prometheus'
     * predict_linear), null with fewer than two or all at one instant.
     */
    static Double perHour(List<long[]> samples) {
        if (samples.size() < 2) return null;
        double n = samples.size(), t0 = samples.get(0)[0], st = 0, sy = 0, stt = 0, sty = 0;
        for (long[] s : samples) {
            double t = (s[0] - t0) / 3_600_000.0, y = s[1];
            st += t;
            sy += y;
            stt += t * t;
            sty += t * y;
        }
        double den = n * stt - st * st;
        // to a tenth, as reported: a steady count must not come out as a growth of 1e-13 a hour
        return den <= 0 ? null : Math.round((n * sty - st * sy) / den * 10) / 10.0;
    }

    private static List<ProcessForecast.Remote> remotes(List<Decision> hung) {
        Map<Endpoint, int[]> by = new LinkedHashMap<>();
        for (Decision d : hung) by.computeIfAbsent(d.socket().remote(), k -> new int[1])[0]++;
        return by.entrySet().stream().sorted((a, b) -> Integer.compare(b.getValue()[0], a.getValue()[0])).limit(REMOTES)
                .map(e -> new ProcessForecast.Remote(e.getKey().toString(), e.getValue()[0])).toList();
    }

}
