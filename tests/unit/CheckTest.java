package hck.check;

import hck.support.Socks;

import hck.rules.Thresholds;
import hck.rules.Range;
import hck.decide.AgeSource;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CheckTest {
    @Test
    void rangesFollowTheMonitoringPluginsGuidelines() {
        Range ten = Range.parse("10");
        assertFalse(ten.alerts(0));
        assertFalse(ten.alerts(10));
        assertTrue(ten.alerts(11));
        assertTrue(ten.alerts(-1));
        Range atLeast = Range.parse("10:");
        assertTrue(atLeast.alerts(9));
        assertFalse(atLeast.alerts(10));
        assertFalse(atLeast.alerts(1e9));
        Range upTo = Range.parse("~:10");
        assertFalse(upTo.alerts(-1e9));
        assertTrue(upTo.alerts(11));
        Range between = Range.parse("10:20");
        assertTrue(between.alerts(9));
        assertFalse(between.alerts(15));
        assertTrue(between.alerts(21));
        Range inside = Range.parse("@10:20");
        assertFalse(inside.alerts(9));
        assertTrue(inside.alerts(10));
        assertTrue(inside.alerts(20));
        assertFalse(inside.alerts(21));
        assertTrue(Range.parse("0").alerts(1));
        assertFalse(Range.parse("0").alerts(0));
        for (String bad : List.of("", "abc", "20:10", "1:2:3", "@", "~", "5x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Range.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("'" + bad + "' is not a threshold range"), e.getMessage());
        }
    }

    static Decision hung(TcpState state, long ageMs, Owner o) {
        Sock s = Socks.of(state, new Endpoint("10.0.0.1", 40000, null), new Endpoint("10.0.0.2", 80, null), 1, 0,
                o == null ? 0 : 7, "1", null, ageMs, ageMs, ageMs, o == null ? List.of() : List.of(o), null);
        return new Decision(s, Verdict.HUNG, "r", Duration.ofSeconds(1), ageMs, AgeSource.TCP_INFO);
    }

    /** Hung sockets a live run would not try on this kernel are said so in the summary, with the release: live mode cannot clear them. */
    @Test
    void whatLiveModeWouldNotTryIsSaid() {
        List<Decision> h = List.of(hung(TcpState.TIME_WAIT, 70_000, null), hung(TcpState.TIME_WAIT, 65_000, null), hung(TcpState.CLOSE_WAIT, 90_000, null));
        NagiosCheck.Result r = NagiosCheck.evaluate(h, Thresholds.DEFAULT, new NagiosCheck.Seen(0, List.of(), List.of(), 0, 2, "5.15.0"));
        assertTrue(r.summary().startsWith("3 hung TCP connections (no process: 2 TIME_WAIT, 1 CLOSE_WAIT, oldest 90s); 2 of them live mode would not"
                + " try on Linux 5.15.0 (kernel policy: TIME_WAIT from 6.0, orphans with a FIN from 6.11)"), r.summary());
        assertFalse(NagiosCheck.evaluate(h, Thresholds.DEFAULT, NagiosCheck.Seen.NOTHING).summary().contains("kernel policy"));
    }

    @Test
    void okLineWithPerfdataForEveryState() {
        NagiosCheck.Result r = NagiosCheck.evaluate(List.of(), Thresholds.DEFAULT, NagiosCheck.Seen.NOTHING);
        assertEquals(Status.OK, r.status());
        assertEquals("HCK OK: 0 hung TCP connections | 'hung'=0;0;10;0 'close_wait'=0;;;0 'close_wait_oldest'=0s;;;0"
                + " 'fin_wait1'=0;;;0 'fin_wait1_oldest'=0s;;;0 'fin_wait2'=0;;;0 'fin_wait2_oldest'=0s;;;0"
                + " 'closing'=0;;;0 'closing_oldest'=0s;;;0 'last_ack'=0;;;0 'last_ack_oldest'=0s;;;0"
                + " 'time_wait'=0;;;0 'time_wait_oldest'=0s;;;0 'fd_exhaustion'=U;86400:;3600:;0 'ephemeral_ports'=0%;80;95;0;100", r.text());
    }

    @Test
    void warningNamesTheLeakyProcessAndTheOldestAge() {
        Owner leaky = new Owner(42, 5, "leaky");
        List<Decision> h = List.of(hung(TcpState.CLOSE_WAIT, 75_000, leaky), hung(TcpState.CLOSE_WAIT, 12_300, leaky),
                hung(TcpState.CLOSE_WAIT, 3_000, leaky), hung(TcpState.FIN_WAIT2, 130_000, null));
        NagiosCheck.Result r = NagiosCheck.evaluate(h, new Thresholds(Range.parse("1"), Range.parse("5"), Map.of(), Map.of()), NagiosCheck.Seen.NOTHING);
        assertEquals(Status.WARNING, r.status());
        String[] lines = r.text().split("\n");
        assertTrue(lines[0].startsWith("HCK WARNING: 4 hung TCP connections (leaky PID 42: 3 CLOSE_WAIT, oldest 75s) | 'hung'=4;1;5;0 "), lines[0]);
        assertTrue(lines[0].contains(" 'close_wait'=3;;;0 'close_wait_oldest'=75s;;;0 "), lines[0]);
        assertTrue(lines[0].contains(" 'fin_wait2'=1;;;0 'fin_wait2_oldest'=130s;;;0 "), lines[0]);
        assertEquals("leaky PID 42: 3 CLOSE_WAIT, oldest 75s", lines[1]);
        assertEquals("no process: 1 FIN_WAIT2, oldest 130s", lines[2]);
        assertFalse(r.text().matches("(?s).*\\d[eE]\\d.*"), "no exponent");
    }

    @Test
    void criticalAndPerStateThresholds() {
        Owner o = new Owner(9, 3, "app");
        List<Decision> many = new ArrayList<>();
        for (int i = 0; i < 11; i++) many.add(hung(TcpState.CLOSE_WAIT, 1_500, o));
        assertEquals(Status.CRITICAL, NagiosCheck.evaluate(many, Thresholds.DEFAULT, NagiosCheck.Seen.NOTHING).status());
        Thresholds perState = new Thresholds(Range.parse("100"), Range.parse("200"),
                Map.of(TcpState.CLOSE_WAIT, Range.parse("5")), Map.of(TcpState.TIME_WAIT, Range.parse("0")));
        NagiosCheck.Result r = NagiosCheck.evaluate(many, perState, NagiosCheck.Seen.NOTHING);
        assertEquals(Status.WARNING, r.status(), "11 CLOSE_WAIT > 5");
        assertTrue(r.text().contains("'close_wait'=11;5;;0"), r.text());
        assertTrue(r.text().contains("'time_wait'=0;;0;0"), r.text());
        assertTrue(r.text().contains("'close_wait_oldest'=1.5s;;;0"), r.text());
        assertEquals(Status.CRITICAL, NagiosCheck.evaluate(List.of(hung(TcpState.TIME_WAIT, 1, null)), perState, NagiosCheck.Seen.NOTHING).status());
    }
}
