package hck.report;

import hck.support.Socks;

import hck.model.Left;

import hck.model.Action;

import ch.qos.logback.classic.Level;
import hck.decide.AgeSource;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A log a person can read at any scale: sockets one by one up to the limit, then one line per process and state. */
class LogLimitTest {
    @AfterEach
    void restore() {
        Logs.configure(ch.qos.logback.classic.Level.INFO, null);
    }

    static List<Decision> hung(int n, String process, TcpState state) {
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sock s = Socks.of(state, new Endpoint("10.0.0.5", 8080, null), new Endpoint("10.0.0.100", 10000 + i, null), 1, 0, 5000 + i,
                    Integer.toHexString(5000 + i), null, 90_000L, 90_000L, 90_000L, process == null ? List.of() : List.of(new Owner(42, 7, process)), null);
            out.add(new Decision(s, Verdict.HUNG, state + " idle 90.0s > 60s", Duration.ofSeconds(60), 90_000, AgeSource.TCP_INFO));
        }
        return out;
    }

    static List<String> log(Runnable r) {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Logs.configure(Level.INFO, file);
        r.run();
        Logs.flush();
        return file.toString(StandardCharsets.UTF_8).lines().map(l -> l.substring(19)).toList();
    }

    @Test
    void pastTheLimitOneLinePerProcessAndStateSaysHowManyAndWhere() {
        List<Decision> all = new ArrayList<>(hung(3_000, "leaky", TcpState.CLOSE_WAIT));
        all.addAll(hung(2_000, null, TcpState.FIN_WAIT2));
        List<String> lines = log(() -> new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), true, 500, "/var/lib/hck/last.json").hung(all));
        assertEquals(500 * 3 + 2, lines.size(), "three lines each for 500 sockets, then one per process and state");
        assertEquals(" - WARN - 2,500 more hung CLOSE_WAIT sockets of leaky (PID 42), not listed one by one (log limit 500): "
                + "every one is in /var/lib/hck/last.json", lines.get(1500));
        assertEquals(" - WARN - 2,000 more hung FIN_WAIT2 sockets of no process, not listed one by one (log limit 500): "
                + "every one is in /var/lib/hck/last.json", lines.get(1501));
    }

    @Test
    void aSmallHostReadsAsBeforeAndZeroLogsEverySocket() {
        List<Decision> few = hung(47, "leaky", TcpState.CLOSE_WAIT);
        assertEquals(47 * 3, log(() -> new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), true, 500, null).hung(few)).size());
        assertEquals(log(() -> new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), true, 0, null).hung(few)), log(() -> new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), true, 500, null).hung(few)));
        assertEquals(5_000 * 3, log(() -> new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), true, 0, null).hung(hung(5_000, "leaky", TcpState.CLOSE_WAIT))).size());
    }

    @Test
    void liveOutcomesPastTheLimitAreCountedByActionProcessAndState() {
        List<String> lines = log(() -> {
            LogReport r = new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), false, 2, null);
            List<Decision> h = hung(5, "leaky", TcpState.CLOSE_WAIT);
            for (int i = 0; i < 5; i++) {
                Decision d = h.get(i);
                r.outcome(i == 4 ? new Outcome(d, d.verdict(), d.reason(), Action.FAILED, null, "EPERM", null)
                        : new Outcome(d, d.verdict(), d.reason(), Action.TERMINATED, hck.model.KillMethod.SOCKET_DESTROY, "OK", null));
            }
            r.outcomesEnd();
        });
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(" - INFO - Terminated: "), lines.get(0));
        assertEquals(" - INFO - 2 more CLOSE_WAIT sockets of leaky (PID 42) terminated, not listed one by one (log limit 2): --json FILE lists every one",
                lines.get(2));
        assertEquals(" - ERROR - 1 more CLOSE_WAIT sockets of leaky (PID 42) failed to terminate, not listed one by one (log limit 2): "
                + "--json FILE lists every one", lines.get(3));
    }

    /** What live mode left as it was is counted by why: vetoed, gone by itself, stopped by a signal. */
    @Test
    void liveSocketsLeftPastTheLimitAreCountedByWhy() {
        List<String> lines = log(() -> {
            LogReport r = new LogReport(org.slf4j.LoggerFactory.getLogger("hck"), false, 1, "/var/tmp/hck.json");
            List<Decision> h = hung(7, "leaky", TcpState.CLOSE_WAIT);
            Left[] why = {Left.GONE, Left.VETOED, Left.VETOED, Left.GONE, Left.STOPPED, Left.STOPPED, Left.STOPPED};
            for (int i = 0; i < 7; i++) {
                Decision d = h.get(i);
                r.outcome(new Outcome(d, why[i] == Left.VETOED ? hck.decide.Verdict.SKIPPED : d.verdict(), d.reason() + "; x",
                        Action.NONE, null, null, why[i]));
            }
            r.outcomesEnd();
        });
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(" - INFO - Not terminated: "), lines.get(0));
        String tail = ", not listed one by one (log limit 1): every one is in /var/tmp/hck.json";
        assertEquals(" - INFO - 2 more CLOSE_WAIT sockets of leaky (PID 42) left alone: the veto command said no" + tail, lines.get(1));
        assertEquals(" - INFO - 1 more CLOSE_WAIT sockets of leaky (PID 42) gone before hck got to them (closed or changed state by themselves)"
                + tail, lines.get(2));
        assertEquals(" - INFO - 3 more CLOSE_WAIT sockets of leaky (PID 42) left as they were: hck was stopped by a signal" + tail, lines.get(3));
    }
}
