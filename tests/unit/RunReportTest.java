package hck.run;

import hck.support.Socks;

import hck.model.Action;

import hck.act.Result;
import hck.decide.AgeSource;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Endpoint;
import hck.model.KillMethod;
import hck.model.Left;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import hck.netns.Namespace;
import hck.report.Outcome;
import hck.report.Summary;
import hck.rules.Rules;
import hck.scan.ScanResult;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The run's record from its verdicts and live results, without a kernel: outcomes, counts, per-namespace counts, signals. */
class RunReportTest {
    static final Owner APP = new Owner(1234, 9, "myapp");

    static Sock socket(TcpState state, int remotePort, String netns) {
        return Socks.of(state, new Endpoint("10.0.0.5", 8080, null), new Endpoint("10.0.0.100", remotePort, null),
                1, 0, 1000 + remotePort, Integer.toHexString(remotePort), null, 90_000L, 90_000L, 90_000L, List.of(APP), null).withNetns(netns);
    }

    static Decision decision(Sock s, Verdict v) {
        return new Decision(s, v, s.state() + " idle 90.0s > 60s", Duration.ofSeconds(60), 90_000, AgeSource.TCP_INFO);
    }

    static Plan plan(RunMode mode, Rules rules) {
        return new Plan(mode, rules, "built-in", null, List.of(), new hck.container.Containers(w -> { }), new RunMemory(Path.of("/nonexistent/state.json"), w -> { }),
                new Stopwatch(), LoggerFactory.getLogger("test"), null);
    }

    static Sweep sweep(List<Decision> decisions, String... namespaces) {
        List<Sock> sockets = decisions.stream().map(Decision::socket).toList();
        List<Sweep.NsScan> scans = new ArrayList<>();
        for (String ns : namespaces) {
            List<Sock> mine = sockets.stream().filter(s -> java.util.Objects.equals(s.netns(), ns)).toList();
            scans.add(new Sweep.NsScan(new Namespace(ns, null, 0), null, new ScanResult(mine, 100, "netlink", 0), null, Duration.ofSeconds(60)));
        }
        return new Sweep(scans, sockets, sockets, 100L * namespaces.length, 0, "netlink", 0, Map.of(), 0);
    }

    static Verdicts verdicts(List<Decision> listed) {
        return new Verdicts(listed, listed.stream().filter(d -> d.verdict() == Verdict.HUNG).toList());
    }

    @Test
    void aDryRunWouldTerminateTheHungAndCountsThem() {
        Decision hung = decision(socket(TcpState.CLOSE_WAIT, 1, null), Verdict.HUNG);
        Decision skipped = decision(socket(TcpState.CLOSE_WAIT, 2, null), Verdict.SKIPPED);
        List<Decision> listed = List.of(hung, skipped);
        RunReport r = RunReport.of(plan(RunMode.DRY_RUN, Rules.BUILT_IN), sweep(listed, (String) null), verdicts(listed), Map.of(),
                o -> fail("only live mode reports outcomes as they come"));
        assertEquals(List.of(Action.WOULD_TERMINATE, Action.NONE), r.outcomes().stream().map(Outcome::action).toList());
        assertEquals(new Summary(100, 2, 1, 1, 1, 0, Map.of()), r.summary());
        assertEquals(List.of(new Summary.PerNetns(null, r.summary())), r.perNetns());
        assertEquals(0, r.summary().left().size(), "a dry run leaves nothing: it acts on nothing");
    }

    @Test
    void theCheckActsOnNothing() {
        List<Decision> listed = List.of(decision(socket(TcpState.FIN_WAIT2, 1, null), Verdict.HUNG));
        RunReport r = RunReport.of(plan(RunMode.CHECK, Rules.BUILT_IN), sweep(listed, (String) null), verdicts(listed), Map.of(), o -> fail());
        assertEquals(Action.NONE, r.outcomes().get(0).action());
        assertEquals(new Summary(100, 1, 1, 0, 0, 0, Map.of()), r.summary());
    }

    @Test
    void liveResultsBecomeOutcomesAndWhatWasLeftIsCountedByWhy() {
        Decision terminated = decision(socket(TcpState.CLOSE_WAIT, 1, null), Verdict.HUNG);
        Decision failed = decision(socket(TcpState.CLOSE_WAIT, 2, null), Verdict.HUNG);
        Decision vetoed = decision(socket(TcpState.CLOSE_WAIT, 3, null), Verdict.HUNG);
        Decision stopped = decision(socket(TcpState.CLOSE_WAIT, 4, null), Verdict.HUNG);
        Decision gone = decision(socket(TcpState.LAST_ACK, 5, null), Verdict.HUNG);
        Decision oldKernel = decision(socket(TcpState.TIME_WAIT, 6, null), Verdict.HUNG);
        Decision nsGone = decision(socket(TcpState.CLOSE_WAIT, 7, null), Verdict.HUNG);
        Map<Sock, Result> results = new IdentityHashMap<>();
        results.put(terminated.socket(), new Result(Action.TERMINATED, KillMethod.SOCKET_DESTROY, null, null, "OK"));
        results.put(failed.socket(), new Result(Action.FAILED, null, null, "SOCK_DESTROY failed: EPERM", "EPERM"));
        results.put(vetoed.socket(), Result.notAttempted(Left.VETOED, "veto command said no"));
        results.put(stopped.socket(), Result.stopped("SIGTERM"));
        results.put(gone.socket(), new Result(Action.NONE, null, Left.GONE, "closed by itself before hck got to it", "ENOENT"));
        results.put(oldKernel.socket(), Result.notAttempted(Left.KERNEL_POLICY, "not destroyed: Linux 5.15 cannot destroy TIME_WAIT sockets"));
        results.put(nsGone.socket(), Result.notAttempted(Left.NETNS_GONE, "its network namespace vanished before hck got to it"));
        assertThrows(IllegalArgumentException.class, () -> Result.notAttempted(Left.GONE, "x"), "gone by itself is not a reason hck left it");
        List<Decision> listed = List.of(terminated, failed, vetoed, stopped, gone, oldKernel, nsGone);
        List<Outcome> told = new ArrayList<>();
        RunReport r = RunReport.of(plan(RunMode.LIVE, Rules.BUILT_IN), sweep(listed, (String) null), verdicts(listed), results, told::add);

        assertEquals(List.of(Action.TERMINATED, Action.FAILED, Action.NONE, Action.NONE, Action.NONE, Action.NONE, Action.NONE),
                r.outcomes().stream().map(Outcome::action).toList());
        assertEquals(Arrays.asList(null, null, Left.VETOED, Left.STOPPED, Left.GONE, Left.KERNEL_POLICY, Left.NETNS_GONE),
                r.outcomes().stream().map(Outcome::left).toList());
        assertEquals(KillMethod.SOCKET_DESTROY, r.outcomes().get(0).method());
        assertEquals(Verdict.SKIPPED, r.outcomes().get(2).verdict(), "a vetoed socket ends skipped");
        assertTrue(r.outcomes().get(1).reason().endsWith("; not terminated: SOCK_DESTROY failed: EPERM"), r.outcomes().get(1).reason());
        assertTrue(r.outcomes().get(3).reason().endsWith("; hck was stopped by SIGTERM before it got to it"));
        assertEquals(new Summary(100, 7, 6, 1, 1, 1, Map.of(Left.VETOED, 1L, Left.STOPPED, 1L, Left.GONE, 1L, Left.KERNEL_POLICY, 1L,
                Left.NETNS_GONE, 1L)), r.summary(), "each kind counted by the result, not by the text of a reason");
        assertEquals(4, r.summary().notAttempted(), "vetoed, stopped, kernel policy and a vanished namespace were not tried");
        assertEquals(7, told.size(), "every hung socket's outcome, as live mode logs them");
        assertEquals(6, r.hung().size());
    }

    @Test
    void everyNamespaceGetsItsOwnCounts() {
        Decision a = decision(socket(TcpState.CLOSE_WAIT, 1, null), Verdict.HUNG);
        Decision b = decision(socket(TcpState.CLOSE_WAIT, 2, "blue"), Verdict.HUNG);
        Decision c = decision(socket(TcpState.CLOSE_WAIT, 3, "blue"), Verdict.SKIPPED);
        List<Decision> listed = List.of(a, b, c);
        RunReport r = RunReport.of(plan(RunMode.DRY_RUN, Rules.BUILT_IN), sweep(listed, null, "blue"), verdicts(listed), Map.of(), o -> { });
        assertEquals(new Summary(200, 3, 2, 1, 2, 0, Map.of()), r.summary());
        assertEquals(List.of(new Summary.PerNetns(null, new Summary(100, 1, 1, 0, 1, 0, Map.of())), new Summary.PerNetns("blue", new Summary(100, 2, 1, 1, 1, 0, Map.of()))),
                r.perNetns());
    }

    @Test
    void commandLineOverridesReplaceWhatTheyName() {
        Overrides o = new Overrides(Duration.ofSeconds(5), null, null, List.of("3306"), null, null, null, true, List.of("webhook=http://127.0.0.1:9/x"), null,
                new Overrides.Limits("2", null, List.of("CLOSE_WAIT=4"), null));
        Rules r = o.applyTo(Rules.BUILT_IN, true);
        assertEquals(Duration.ofSeconds(5), r.timeouts().get(TcpState.CLOSE_WAIT));
        assertEquals(Rules.BUILT_IN.timeouts().get(TcpState.FIN_WAIT1), r.timeouts().get(TcpState.FIN_WAIT1));
        assertEquals(List.of(3306), r.filters().excludePorts());
        assertTrue(r.udp().enabled());
        assertEquals(1, r.reporting().notifications().size());
        assertEquals("2", r.reporting().check().warning().toString());
        assertEquals("4", r.reporting().check().warningState().get(TcpState.CLOSE_WAIT).toString());
        assertEquals(Rules.BUILT_IN.reporting().check(), o.applyTo(Rules.BUILT_IN, false).reporting().check(), "thresholds only in check mode");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () ->
                new Overrides(null, null, null, null, null, null, null, false, null, null, new Overrides.Limits(null, null, List.of("LISTEN=1"), null))
                        .applyTo(Rules.BUILT_IN, true));
        assertEquals("--warning-state LISTEN=1: use STATE=RANGE with a watched state, e.g. CLOSE_WAIT=5", bad.getMessage());
    }

    /** The listing's order: hung before skipped, the oldest first, scan order among equal ages (as a stable sort). */
    @Test
    void listedHungFirstThenOldestFirstStable() {
        java.util.Random random = new java.util.Random(20);
        List<Decision> scanned = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Sock s = socket(i % 3 == 0 ? TcpState.FIN_WAIT2 : TcpState.CLOSE_WAIT, 1024 + i, null);
            if (i % 5 == 1) s = s.withOwners(List.of(new Owner(4000 + i % 7, 3, "app" + i % 7)));
            if (i % 5 == 2) s = s.withOwners(List.of());
            long age = random.nextInt(40) * 1000L; // many equal ages
            if (i % 997 == 0) age = 400L * 24 * 3600 * 1000; // over a year
            scanned.add(new Decision(s, random.nextBoolean() ? Verdict.HUNG : Verdict.SKIPPED, "r", Duration.ofSeconds(60), age, AgeSource.TCP_INFO));
        }
        List<Decision> expected = new ArrayList<>(scanned);
        expected.sort((a, b) -> a.verdict() != b.verdict() ? a.verdict().compareTo(b.verdict()) : Long.compare(b.ageMs(), a.ageMs()));
        Verdicts v = Verdicts.hungFirstOldestFirst(scanned);
        List<Decision> sorted = v.listed();
        assertEquals(expected.size(), sorted.size());
        for (int i = 0; i < expected.size(); i++) assertSame(expected.get(i), sorted.get(i), "position " + i);
        assertEquals(Verdict.HUNG, sorted.get(0).verdict());
        assertEquals(400L * 24 * 3600 * 1000, sorted.get(0).ageMs());
        // the hung ones, and grouped by process as Holder.of groups them in the listing's order
        List<Decision> hung = expected.stream().filter(d -> d.verdict() == Verdict.HUNG).toList();
        assertEquals(hung, v.hung());
        assertEquals(hck.report.Holder.of(hung), v.holders());
    }
}
